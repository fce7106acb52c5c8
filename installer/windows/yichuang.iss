; Inno Setup script of the Windows installer of 一窗 YiChuang (Inno Setup 6.3 or newer).
; It packs the PyInstaller one-folder bundle dist\yichuang\ built on Windows from installer\yichuang.spec.
; Steps: installer\README.md. Compile from the repository root:
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\windows\yichuang.iss
; Same choices as the .deb: a Start-menu entry per mode, desktop shortcuts to pick, and which hall
; modes start at login (restarted after a crash, screen kept on).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define Bundle "..\..\dist\yichuang"
; Chinese wizard pages when this Inno Setup has the translation (official since 6.5; older ones
; need ChineseSimplified.isl copied into their Languages folder), English otherwise.
#define HaveChinese FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")

[Setup]
AppId={{6B1F3E2A-7C4D-4E8B-9A15-3D2C8F0E7B41}
AppName=一窗 YiChuang
AppVersion={#AppVersion}
AppPublisher=YiChuang
DefaultDirName={autopf}\YiChuang
DefaultGroupName=一窗
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=yichuang-setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
; PySide6 6.8+ needs 64-bit Windows 10 1809 or newer.
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
PrivilegesRequired=admin
WizardStyle=modern
UninstallDisplayIcon={app}\yichuang.exe

[Languages]
#if HaveChinese
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
#if HaveChinese
chs.ModeCounter=一窗 综合窗口
chs.ModeKiosk=一窗 自助取号机
chs.ModeDisplay=一窗 叫号显示屏
chs.ModeEvaluator=一窗 好差评评价器
chs.ModeSupervisor=一窗 值班长
chs.GroupDesktop=桌面快捷方式：
chs.GroupAutostart=登录后自动启动（取号机、叫号屏所在的电脑；程序意外退出后自动重启，屏幕不休眠）：
chs.LaunchCounter=现在打开综合窗口
#endif
en.ModeCounter=YiChuang Counter
en.ModeKiosk=YiChuang Ticket Kiosk
en.ModeDisplay=YiChuang Calling Display
en.ModeEvaluator=YiChuang Evaluator
en.ModeSupervisor=YiChuang Supervisor
en.GroupDesktop=Desktop shortcuts:
en.GroupAutostart=Start after login (kiosk or calling display PC; restarted after a crash, screen kept on):
en.LaunchCounter=Open the counter now

[Tasks]
Name: "desktopcounter"; Description: "{cm:ModeCounter}"; GroupDescription: "{cm:GroupDesktop}"
Name: "desktopkiosk"; Description: "{cm:ModeKiosk}"; GroupDescription: "{cm:GroupDesktop}"; Flags: unchecked
Name: "desktopdisplay"; Description: "{cm:ModeDisplay}"; GroupDescription: "{cm:GroupDesktop}"; Flags: unchecked
Name: "desktopevaluator"; Description: "{cm:ModeEvaluator}"; GroupDescription: "{cm:GroupDesktop}"; Flags: unchecked
Name: "desktopsupervisor"; Description: "{cm:ModeSupervisor}"; GroupDescription: "{cm:GroupDesktop}"; Flags: unchecked
Name: "autostartkiosk"; Description: "{cm:ModeKiosk}"; GroupDescription: "{cm:GroupAutostart}"; Flags: unchecked
Name: "autostartdisplay"; Description: "{cm:ModeDisplay}"; GroupDescription: "{cm:GroupAutostart}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "hall-mode.ps1"; DestDir: "{app}"; Flags: ignoreversion

[Icons]
; Start menu: every mode, like the .deb's menu entries. yichuangw.exe is the windowed twin of
; yichuang.exe (no console window behind the program).
Name: "{group}\{cm:ModeCounter}"; Filename: "{app}\yichuangw.exe"; Parameters: "counter"
Name: "{group}\{cm:ModeKiosk}"; Filename: "{app}\yichuangw.exe"; Parameters: "kiosk"
Name: "{group}\{cm:ModeDisplay}"; Filename: "{app}\yichuangw.exe"; Parameters: "display"
Name: "{group}\{cm:ModeEvaluator}"; Filename: "{app}\yichuangw.exe"; Parameters: "evaluator"
Name: "{group}\{cm:ModeSupervisor}"; Filename: "{app}\yichuangw.exe"; Parameters: "supervisor"
Name: "{autodesktop}\{cm:ModeCounter}"; Filename: "{app}\yichuangw.exe"; Parameters: "counter"; Tasks: desktopcounter
Name: "{autodesktop}\{cm:ModeKiosk}"; Filename: "{app}\yichuangw.exe"; Parameters: "kiosk"; Tasks: desktopkiosk
Name: "{autodesktop}\{cm:ModeDisplay}"; Filename: "{app}\yichuangw.exe"; Parameters: "display"; Tasks: desktopdisplay
Name: "{autodesktop}\{cm:ModeEvaluator}"; Filename: "{app}\yichuangw.exe"; Parameters: "evaluator"; Tasks: desktopevaluator
Name: "{autodesktop}\{cm:ModeSupervisor}"; Filename: "{app}\yichuangw.exe"; Parameters: "supervisor"; Tasks: desktopsupervisor
; Autostart for every user of this PC: hall-mode.ps1 restarts the mode after a crash or the
; kiosk's daily restart (exit code 75), as Restart=on-failure does on Linux.
Name: "{commonstartup}\{cm:ModeKiosk}"; Filename: "{sys}\WindowsPowerShell\v1.0\powershell.exe"; Parameters: "-NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -File ""{app}\hall-mode.ps1"" -Mode kiosk"; IconFilename: "{app}\yichuang.exe"; Tasks: autostartkiosk
Name: "{commonstartup}\{cm:ModeDisplay}"; Filename: "{sys}\WindowsPowerShell\v1.0\powershell.exe"; Parameters: "-NoProfile -ExecutionPolicy Bypass -WindowStyle Hidden -File ""{app}\hall-mode.ps1"" -Mode display"; IconFilename: "{app}\yichuang.exe"; Tasks: autostartdisplay

[Run]
; An unattended kiosk or calling display must not turn its screen off or go to sleep (mains power).
Filename: "{sys}\powercfg.exe"; Parameters: "/change monitor-timeout-ac 0"; Flags: runhidden; Tasks: autostartkiosk autostartdisplay
Filename: "{sys}\powercfg.exe"; Parameters: "/change standby-timeout-ac 0"; Flags: runhidden; Tasks: autostartkiosk autostartdisplay
Filename: "{app}\yichuangw.exe"; Parameters: "counter"; Description: "{cm:LaunchCounter}"; Flags: nowait postinstall skipifsilent unchecked
