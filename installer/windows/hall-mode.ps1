# Starts a YiChuang hall mode (kiosk or display) from its Startup shortcut and starts it again after
# a crash or the kiosk's daily restart (any exit code but 0), like the systemd user unit on Linux.
# Leaving the mode on purpose (installer PIN, exit code 0) ends the loop.
param(
    [Parameter(Mandatory = $true)]
    [ValidateSet("kiosk", "display")]
    [string]$Mode
)
$exe = Join-Path $PSScriptRoot "yichuangw.exe"
while ($true) {
    $process = Start-Process -FilePath $exe -ArgumentList $Mode -Wait -PassThru
    if ($process.ExitCode -eq 0) { break }
    Start-Sleep -Seconds 5
}
