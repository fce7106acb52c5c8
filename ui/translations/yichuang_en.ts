<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>A4Printing</name>
    <message>
        <source>（本机没有安装任何打印机）</source>
        <extracomment>The resolution pages are drawn at, at most (the PDF&apos;s bitmaps are 200 dpi).</extracomment>
        <translation>(no printers are installed on this computer)</translation>
    </message>
    <message>
        <source>找不到 A4 打印机“{name}”。请在 设置 中检查“A4 通知书打印机名称”（devices.a4_printer），改为本机已安装的打印机，或留空以便每次在对话框中选择。本机的打印机：{known}</source>
        <translation>A4 printer &quot;{name}&quot; was not found. In Settings, check &quot;A4 notice printer name&quot; (devices.a4_printer): set it to a printer installed on this computer, or leave it empty to choose in the print dialog each time. Printers on this computer: {known}</translation>
    </message>
    <message>
        <source>通知书文件无法读取，请重新生成通知书后再打印。</source>
        <translation>The notice file cannot be read. Generate the notice again, then print.</translation>
    </message>
    <message>
        <source>A4 打印机“{name}”无法开始打印，请检查打印机是否开机、联网，然后重试。</source>
        <translation>A4 printer &quot;{name}&quot; cannot start printing. Check that it is switched on and connected, then try again.</translation>
    </message>
    <message>
        <source>打印通知书</source>
        <translation>Print notice</translation>
    </message>
</context>
<context>
    <name>ApplicantPanel</name>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>证件号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>地址</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>单位名称</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>统一社会信用代码</source>
        <translation>Credit code (USCC)</translation>
    </message>
    <message>
        <source>法定代表人</source>
        <translation>Legal representative</translation>
    </message>
    <message>
        <source>代办人姓名</source>
        <translation>Agent&apos;s name</translation>
    </message>
    <message>
        <source>代办人证件号码</source>
        <translation>Agent&apos;s ID number</translation>
    </message>
    <message>
        <source>代办人手机号</source>
        <translation>Agent&apos;s mobile</translation>
    </message>
    <message>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>读身份证 {key}</source>
        <translation>Read ID card {key}</translation>
    </message>
    <message>
        <source>个人</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>单位</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>代办</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>确认申请人</source>
        <translation>Confirm applicant</translation>
    </message>
    <message>
        <source>重新录入</source>
        <translation>Start over</translation>
    </message>
    <message>
        <source>代办人（受申请人委托）</source>
        <translation>Agent (authorised by the applicant)</translation>
    </message>
    <message>
        <source>读代办人身份证</source>
        <translation>Read agent&apos;s ID card</translation>
    </message>
    <message>
        <source>登记代办</source>
        <translation>Register agent</translation>
    </message>
    <message>
        <source>以往办件</source>
        <translation>Earlier cases</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>收件日期</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>读取放在阅读器上的身份证</source>
        <translation>Read the ID card lying on the reader</translation>
    </message>
    <message>
        <source>本机未配置身份证阅读器，请手工录入</source>
        <translation>No ID card reader is configured on this PC; type the applicant in</translation>
    </message>
    <message>
        <source>代办：{name}</source>
        <translation>Agent: {name}</translation>
    </message>
    <message>
        <source>可补充手机号后按“保存手机号”</source>
        <translation>Add a mobile number, then press “Save mobile”</translation>
    </message>
    <message>
        <source>保存手机号</source>
        <translation>Save mobile</translation>
    </message>
    <message>
        <source>已确认：{who}</source>
        <translation>Confirmed: {who}</translation>
    </message>
    <message>
        <source>正在读取身份证…</source>
        <translation>Reading the ID card…</translation>
    </message>
    <message>
        <source>正在读取代办人身份证…</source>
        <translation>Reading the agent&apos;s ID card…</translation>
    </message>
    <message>
        <source>照片未解码</source>
        <translation>Photo not decoded</translation>
    </message>
    <message>
        <source>未配置证件照片解码库，照片原始数据已加密保存。可在设置中填写 devices.idcard_photo_library。</source>
        <translation>No ID photo decoder is configured; the raw photo is kept encrypted. Set devices.idcard_photo_library in Settings.</translation>
    </message>
    <message>
        <source>请核对手机号。</source>
        <translation>Please check the mobile number.</translation>
    </message>
    <message>
        <source>请输入单位名称。</source>
        <translation>Please enter the organisation&apos;s name.</translation>
    </message>
    <message>
        <source>请输入统一社会信用代码。</source>
        <translation>Please enter the unified social credit code.</translation>
    </message>
    <message>
        <source>请输入法定代表人姓名。</source>
        <translation>Please enter the legal representative&apos;s name.</translation>
    </message>
    <message>
        <source>请输入申请人姓名。</source>
        <translation>Please enter the applicant&apos;s name.</translation>
    </message>
    <message>
        <source>请输入身份证号码。</source>
        <translation>Please enter the ID number.</translation>
    </message>
    <message>
        <source>{n} 页</source>
        <translation>{n} pages</translation>
    </message>
    <message>
        <source>以往办件（{n} 件）</source>
        <translation>Earlier cases ({n})</translation>
    </message>
    <message>
        <source>请输入代办人姓名。</source>
        <translation>Please enter the agent&apos;s name.</translation>
    </message>
    <message>
        <source>请输入代办人身份证号码。</source>
        <translation>Please enter the agent&apos;s ID number.</translation>
    </message>
    <message>
        <source>请输入代办人手机号。</source>
        <translation>Please enter the agent&apos;s mobile number.</translation>
    </message>
    <message>
        <source>已登记代办：{name}（受申请人委托）。请扫描委托书作为材料。</source>
        <translation>Agent registered: {name} (authorised by the applicant). Scan the letter of authorisation as a material.</translation>
    </message>
    <message>
        <source>已恢复上次未保存的录入内容。</source>
        <translation>Restored what was typed before the last close.</translation>
    </message>
</context>
<context>
    <name>Application</name>
    <message>
        <source>一窗</source>
        <extracomment>The program&apos;s name as windows show it; a source string of the &quot;Application&quot; context, so ``ui.i18n.use_language`` can rename the running application in the chosen language.</extracomment>
        <translation>YiChuang</translation>
    </message>
</context>
<context>
    <name>CapturePanel</name>
    <message>
        <source>平板</source>
        <extracomment>Files a clerk may import or drop: JPEG, PNG, TIFF and PDF. What stands in for the preview while nothing can be captured: the preview&apos;s own dark look. Wide enough for the scanner&apos;s choices; the preview and what sits beside it get the rest.</extracomment>
        <translation>Flatbed</translation>
    </message>
    <message>
        <source>自动进纸器（ADF）</source>
        <translation>Document feeder (ADF)</translation>
    </message>
    <message>
        <source>双面（ADF）</source>
        <translation>Both sides (ADF)</translation>
    </message>
    <message>
        <source>彩色</source>
        <translation>Colour</translation>
    </message>
    <message>
        <source>灰度</source>
        <translation>Greyscale</translation>
    </message>
    <message>
        <source>黑白</source>
        <translation>Black and white</translation>
    </message>
    <message>
        <source>按本机设置</source>
        <translation>As set for this PC</translation>
    </message>
    <message>
        <source>图片或 PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf)</source>
        <translation>Images or PDF (*.jpg *.jpeg *.png *.tif *.tiff *.pdf)</translation>
    </message>
    <message>
        <source>请先在材料清单中选中要采集的材料。</source>
        <translation>First select the material to capture in the checklist.</translation>
    </message>
    <message>
        <source>← 前移</source>
        <translation>← Earlier</translation>
    </message>
    <message>
        <source>后移 →</source>
        <translation>Later →</translation>
    </message>
    <message>
        <source>↻ 顺时针</source>
        <translation>↻ Clockwise</translation>
    </message>
    <message>
        <source>↺ 逆时针</source>
        <translation>↺ Counter-clockwise</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>重拍</source>
        <translation>Retake</translation>
    </message>
    <message>
        <source>高拍仪</source>
        <translation>Document camera</translation>
    </message>
    <message>
        <source>拍照 (空格)</source>
        <translation>Take picture (Space)</translation>
    </message>
    <message>
        <source>拍下高拍仪下的这一页，加到选中的材料</source>
        <translation>Take the page under the document camera and add it to the selected material</translation>
    </message>
    <message>
        <source>自动拍摄</source>
        <translation>Auto-capture</translation>
    </message>
    <message>
        <source>放好一页、手离开后自动拍下；换下一页后再自动拍</source>
        <translation>Takes the page once it lies still and your hand is away; turn to the next page for the next picture</translation>
    </message>
    <message>
        <source>调整四角…</source>
        <translation>Adjust corners…</translation>
    </message>
    <message>
        <source>重新调整选中页的纸张四角（仅限本次拍摄的页）</source>
        <translation>Set the paper corners of the selected page again (pages taken during this visit only)</translation>
    </message>
    <message>
        <source>扫描仪</source>
        <translation>Scanner</translation>
    </message>
    <message>
        <source>这份材料还没有页面：按空格拍照、点“扫描”或“导入文件”，也可以把文件拖到这里。</source>
        <translation>This material has no pages yet: press Space to take a picture, click “Scan” or “Import files”, or drop files here.</translation>
    </message>
    <message>
        <source>扫描</source>
        <translation>Scan</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>分辨率</source>
        <translation>Resolution</translation>
    </message>
    <message>
        <source>颜色</source>
        <translation>Colour</translation>
    </message>
    <message>
        <source>导入文件… (Ctrl+O)</source>
        <translation>Import files… (Ctrl+O)</translation>
    </message>
    <message>
        <source>导入 JPEG、PNG、TIFF 或 PDF 文件；也可以把文件拖到这里</source>
        <translation>Import JPEG, PNG, TIFF or PDF files; you can also drop files here</translation>
    </message>
    <message>
        <source>取消扫描</source>
        <translation>Cancel scan</translation>
    </message>
    <message>
        <source>用高拍仪重新拍摄选中的页，位置不变</source>
        <translation>Take the selected page again with the document camera, in the same place</translation>
    </message>
    <message>
        <source>采集到：{name}</source>
        <translation>Capturing into: {name}</translation>
    </message>
    <message>
        <source>该材料不能再修改，不能再采集。</source>
        <translation>This material can no longer be changed; no more pages can be added.</translation>
    </message>
    <message>
        <source>{name}（材料不能再修改）</source>
        <translation>{name} (the materials can no longer be changed)</translation>
    </message>
    <message>
        <source>本机没有配置高拍仪，请用扫描仪扫描或导入文件。</source>
        <translation>No document camera is configured on this PC; scan or import files instead.</translation>
    </message>
    <message>
        <source>自动拍摄：请先在材料清单中选中材料，这一页没有保存。</source>
        <translation>Auto-capture: select a material in the checklist first; this page was not saved.</translation>
    </message>
    <message>
        <source>本机没有配置高拍仪，不能重拍；请删除这一页后扫描或导入。</source>
        <translation>No document camera is set up on this PC, so the page cannot be retaken; delete it, then scan or import it.</translation>
    </message>
    <message>
        <source>本机没有配置扫描仪</source>
        <translation>No scanner is configured on this PC</translation>
    </message>
    <message>
        <source>正在读取扫描仪…</source>
        <translation>Reading the scanner…</translation>
    </message>
    <message>
        <source>自动（进纸器优先）</source>
        <translation>Automatic (feeder first)</translation>
    </message>
    <message>
        <source>扫描仪无法使用</source>
        <translation>The scanner cannot be used</translation>
    </message>
    <message>
        <source>正在启动扫描仪…</source>
        <translation>Starting the scanner…</translation>
    </message>
    <message>
        <source>正在扫描第 {n} 页…</source>
        <translation>Scanning page {n}…</translation>
    </message>
    <message>
        <source>导入材料文件</source>
        <translation>Import material files</translation>
    </message>
    <message>
        <source>不能导入：{names}。只能导入 JPEG、PNG、TIFF 或 PDF 文件。</source>
        <translation>Cannot import: {names}. Only JPEG, PNG, TIFF or PDF files can be imported.</translation>
    </message>
    <message>
        <source>已删除第 {n} 页。</source>
        <translation>Page {n} deleted.</translation>
    </message>
</context>
<context>
    <name>CapturePreview</name>
    <message>
        <source>正在打开高拍仪…</source>
        <translation>Opening the document camera…</translation>
    </message>
    <message>
        <source>本机没有配置高拍仪。
请用扫描仪扫描，或点“导入文件”。</source>
        <translation>No document camera is configured on this PC.
Scan the pages, or click “Import files”.</translation>
    </message>
    <message>
        <source>自动拍摄：放上下一页</source>
        <translation>Auto-capture: put the next page down</translation>
    </message>
    <message>
        <source>自动拍摄：请保持不动…</source>
        <translation>Auto-capture: hold still…</translation>
    </message>
</context>
<context>
    <name>CaseActions</name>
    <message>
        <source>预登记</source>
        <extracomment>What the timeline says was done (app.case_states.ACTION_LABELS, app.services.materials.ACTION_LABELS).</extracomment>
        <translation>Pre-registered</translation>
    </message>
    <message>
        <source>收件</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <source>补正告知</source>
        <translation>Correction requested</translation>
    </message>
    <message>
        <source>补正收件</source>
        <translation>Correction received</translation>
    </message>
    <message>
        <source>不予受理</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <source>特别程序开始</source>
        <translation>Special procedure started</translation>
    </message>
    <message>
        <source>特别程序结束</source>
        <translation>Special procedure ended</translation>
    </message>
    <message>
        <source>办结</source>
        <translation>Completed</translation>
    </message>
    <message>
        <source>出件/邮寄</source>
        <translation>Handed over / mailed</translation>
    </message>
    <message>
        <source>评价</source>
        <translation>Rated</translation>
    </message>
    <message>
        <source>撤回</source>
        <translation>Withdrawn</translation>
    </message>
    <message>
        <source>作废</source>
        <translation>Voided</translation>
    </message>
    <message>
        <source>撤销决定</source>
        <translation>Decision undone</translation>
    </message>
    <message>
        <source>添加材料页</source>
        <translation>Page added</translation>
    </message>
    <message>
        <source>调整页序</source>
        <translation>Pages reordered</translation>
    </message>
    <message>
        <source>旋转材料页</source>
        <translation>Page rotated</translation>
    </message>
    <message>
        <source>删除材料页</source>
        <translation>Page deleted</translation>
    </message>
    <message>
        <source>重拍材料页</source>
        <translation>Page retaken</translation>
    </message>
    <message>
        <source>核验原件</source>
        <translation>Original checked</translation>
    </message>
    <message>
        <source>容缺受理承诺</source>
        <translation>Deferral commitment</translation>
    </message>
    <message>
        <source>复用历史材料</source>
        <translation>Earlier material reused</translation>
    </message>
    <message>
        <source>平台状态更新</source>
        <extracomment>Timeline labels of the platform&apos;s changes and the sender&apos;s steps (app.services.cases), in the context ui.core_labels.case_action looks them up in.</extracomment>
        <translation>Platform status update</translation>
    </message>
    <message>
        <source>平台要求补正</source>
        <translation>Platform requested correction</translation>
    </message>
    <message>
        <source>平台决定</source>
        <translation>Platform decision</translation>
    </message>
    <message>
        <source>平台决定（准予）</source>
        <translation>Platform decision (granted)</translation>
    </message>
    <message>
        <source>平台决定（不予许可）</source>
        <translation>Platform decision (refused)</translation>
    </message>
    <message>
        <source>平台出具结果</source>
        <translation>Platform issued the result</translation>
    </message>
    <message>
        <source>平台办件编号</source>
        <translation>Platform case number</translation>
    </message>
    <message>
        <source>已报送平台</source>
        <translation>Submitted to the platform</translation>
    </message>
    <message>
        <source>平台退回</source>
        <translation>Refused by the platform</translation>
    </message>
    <message>
        <source>重新发送</source>
        <translation>Sent again</translation>
    </message>
    <message>
        <source>平台退回已处理</source>
        <translation>Refusal handled</translation>
    </message>
    <message>
        <source>清理本机材料文件</source>
        <translation>Local page files purged</translation>
    </message>
</context>
<context>
    <name>CaseDetailDialog</name>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>操作</source>
        <translation>Action</translation>
    </message>
    <message>
        <source>经办人</source>
        <translation>Clerk</translation>
    </message>
    <message>
        <source>状态变化</source>
        <translation>State change</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <source>办理事项</source>
        <translation>Service items</translation>
    </message>
    <message>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>代办人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>承办部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>当前状态</source>
        <translation>Current state</translation>
    </message>
    <message>
        <source>收件时间</source>
        <translation>Received at</translation>
    </message>
    <message>
        <source>受理时间</source>
        <translation>Accepted at</translation>
    </message>
    <message>
        <source>承诺办结日</source>
        <translation>Promised by</translation>
    </message>
    <message>
        <source>补正告知</source>
        <translation>Correction requested</translation>
    </message>
    <message>
        <source>最近理由</source>
        <translation>Latest reason</translation>
    </message>
    <message>
        <source>窗口正在办理另一个办件（{number}），请先办完或重新开始，再继续办理此件。</source>
        <translation>The window is working on another case ({number}). Finish it or start over, then continue with this one.</translation>
    </message>
    <message>
        <source>（暂定）</source>
        <translation> (provisional)</translation>
    </message>
    <message>
        <source>（{date} 前补正）</source>
        <translation> (to be corrected by {date})</translation>
    </message>
    <message>
        <source>{name}（受申请人委托）</source>
        <translation>{name} (authorised by the applicant)</translation>
    </message>
    <message>
        <source>办件详情</source>
        <translation>Case details</translation>
    </message>
    <message>
        <source>{label}：</source>
        <translation>{label}:</translation>
    </message>
    <message>
        <source>补正收件</source>
        <translation>Receive correction</translation>
    </message>
    <message>
        <source>申请人已按一次性告知补齐材料：办件回到“已收件”，可继续受理</source>
        <translation>The applicant brought everything the correction notice asked for: the case goes back to “Received” and can be accepted</translation>
    </message>
    <message>
        <source>继续办理</source>
        <translation>Continue at the window</translation>
    </message>
    <message>
        <source>在窗口打开此办件，拍摄材料并作出受理决定</source>
        <translation>Open this case at the window to capture materials and decide on it</translation>
    </message>
    <message>
        <source>出件</source>
        <translation>Hand over</translation>
    </message>
    <message>
        <source>办理过程：</source>
        <translation>History:</translation>
    </message>
    <message>
        <source>正在登记补正收件…</source>
        <translation>Recording the correction…</translation>
    </message>
    <message>
        <source>已在窗口打开此办件。</source>
        <translation>This case is now open at the window.</translation>
    </message>
    <message>
        <source>办件详情 · {number}</source>
        <translation>Case details · {number}</translation>
    </message>
</context>
<context>
    <name>CaseListWindow</name>
    <message>
        <source>一窗 · 办件列表</source>
        <translation>YiChuang · Cases</translation>
    </message>
    <message>
        <source>输入办件编号、姓名、证件号码或手机号查找</source>
        <translation>Search by case number, name, ID number or mobile</translation>
    </message>
    <message>
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Service item</translation>
    </message>
    <message>
        <source>申请人</source>
        <translation>Applicant</translation>
    </message>
    <message>
        <source>证件号码</source>
        <translation>ID number</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>收件时间</source>
        <translation>Received at</translation>
    </message>
    <message>
        <source>承诺办结日</source>
        <translation>Promised by</translation>
    </message>
    <message>
        <source>同步</source>
        <translation>Sync</translation>
    </message>
    <message>
        <source>（即将到期）</source>
        <translation> (due soon)</translation>
    </message>
    <message>
        <source>（已超期）</source>
        <translation> (overdue)</translation>
    </message>
    <message>
        <source>已同步</source>
        <translation>Synced</translation>
    </message>
    <message>
        <source>未同步</source>
        <translation>Not synced</translation>
    </message>
    <message>
        <source>全部</source>
        <extracomment>The core&apos;s filter labels, marked for translation in this context.</extracomment>
        <translation>All</translation>
    </message>
    <message>
        <source>今天</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>待补正</source>
        <translation>Awaiting correction</translation>
    </message>
    <message>
        <source>超期预警</source>
        <translation>Due soon or overdue</translation>
    </message>
    <message>
        <source>可出件</source>
        <translation>Ready for hand-over</translation>
    </message>
    <message>
        <source>（暂定）</source>
        <translation> (provisional)</translation>
    </message>
    <message>
        <source>正在查找办件…</source>
        <translation>Searching cases…</translation>
    </message>
    <message>
        <source>{filter}：共 {n} 件</source>
        <translation>{filter}: {n} cases</translation>
    </message>
    <message>
        <source>{filter}：没有办件</source>
        <translation>{filter}: no cases</translation>
    </message>
</context>
<context>
    <name>CaseOps</name>
    <message>
        <source>找不到实施编码为 {code} 的事项，请刷新事项目录后重试。</source>
        <translation>No service item has the implementation code {code}. Refresh the catalogue and try again.</translation>
    </message>
    <message>
        <source>找不到编号为 {code} 的“一件事”，请刷新事项目录后重试。</source>
        <translation>No bundle has the code {code}. Refresh the catalogue and try again.</translation>
    </message>
    <message>
        <source>请先在“办件”中选择要办理的事项或“一件事”。</source>
        <translation>First choose a service item or a bundle under “Case”.</translation>
    </message>
    <message>
        <source>请先读取申请人身份证或录入申请人信息，再开始收件。</source>
        <translation>First read the applicant&apos;s ID card or type the applicant in, then start receiving.</translation>
    </message>
    <message>
        <source>办件 {id} 不存在，请刷新后重试。</source>
        <translation>Case {id} does not exist. Refresh and try again.</translation>
    </message>
</context>
<context>
    <name>CaseStates</name>
    <message>
        <source>新建</source>
        <extracomment>The core&apos;s case states (app.case_states.STATE_LABELS).</extracomment>
        <translation>New</translation>
    </message>
    <message>
        <source>预登记</source>
        <translation>Pre-registered</translation>
    </message>
    <message>
        <source>已收件</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>待补正</source>
        <translation>Awaiting correction</translation>
    </message>
    <message>
        <source>已受理</source>
        <translation>Accepted</translation>
    </message>
    <message>
        <source>特别程序中</source>
        <translation>In special procedure</translation>
    </message>
    <message>
        <source>不予受理</source>
        <translation>Rejected</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>Completed</translation>
    </message>
    <message>
        <source>已出件</source>
        <translation>Handed over</translation>
    </message>
    <message>
        <source>已评价</source>
        <translation>Rated</translation>
    </message>
    <message>
        <source>已撤回</source>
        <translation>Withdrawn</translation>
    </message>
    <message>
        <source>已作废</source>
        <translation>Voided</translation>
    </message>
</context>
<context>
    <name>CategoriesPage</name>
    <message>
        <source>叫号类别</source>
        <translation>Queue categories</translation>
    </message>
    <message>
        <source>取号机上的业务类别按钮（字头是号码前的字母，如 A001 的 A），以及取号机的退出口令和每日重启时间。</source>
        <translation>The category buttons of the ticket kiosk (the prefix is the letter before the number, like the A of A001), and the kiosk&apos;s exit PIN and daily restart time.</translation>
    </message>
    <message>
        <source>字头</source>
        <translation>Prefix</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>添加</source>
        <translation>Add</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>上移</source>
        <translation>Move up</translation>
    </message>
    <message>
        <source>下移</source>
        <translation>Move down</translation>
    </message>
    <message>
        <source>每天自动重启取号机</source>
        <translation>Restart the kiosk every day at</translation>
    </message>
    <message>
        <source>取号机</source>
        <translation>Ticket kiosk</translation>
    </message>
    <message>
        <source>实施人员口令</source>
        <translation>Installer PIN</translation>
    </message>
    <message>
        <source>再输一次</source>
        <translation>Repeat</translation>
    </message>
    <message>
        <source>老年人优先年龄</source>
        <translation>Elderly priority from age</translation>
    </message>
    <message>
        <source>无法读取已有的取号类别（{error}），可以在此重新填写。</source>
        <translation>The existing queue categories could not be read ({error}); you can enter them again here.</translation>
    </message>
    <message>
        <source>已设置口令；留空则保持不变，填写则改为新口令。</source>
        <translation>A PIN is set; leave empty to keep it, or enter a new one to change it.</translation>
    </message>
    <message>
        <source>尚未设置：退出全屏取号机时要输入这个口令（6–12 位数字）。</source>
        <translation>Not set yet: this PIN (6–12 digits) is needed to leave the full-screen kiosk.</translation>
    </message>
    <message>
        <source>新类别</source>
        <translation>New category</translation>
    </message>
    <message>
        <source>两次输入的口令不一样，请重新输入。</source>
        <translation>The two PINs differ. Please enter them again.</translation>
    </message>
    <message>
        <source>已设置新口令。</source>
        <translation>The new PIN is set.</translation>
    </message>
</context>
<context>
    <name>CheckedField</name>
    <message>
        <source>已输入 {n}/18 位</source>
        <translation>{n} of 18 characters</translation>
    </message>
    <message>
        <source>号码有效：{kind}，{gender}，{birth} 出生，{province}</source>
        <translation>Valid: {kind}, {gender}, born {birth}, {province}</translation>
    </message>
    <message>
        <source>代码有效</source>
        <translation>Valid code</translation>
    </message>
    <message>
        <source>已输入 {n}/11 位</source>
        <translation>{n} of 11 digits</translation>
    </message>
    <message>
        <source>号码有效</source>
        <translation>Valid number</translation>
    </message>
</context>
<context>
    <name>ConfirmDialog</name>
    <message>
        <source>改为补正告知</source>
        <translation>Request correction instead</translation>
    </message>
    <message>
        <source>材料不齐，不能受理：</source>
        <translation>Materials are missing; the case cannot be accepted:</translation>
    </message>
</context>
<context>
    <name>CornerEditor</name>
    <message>
        <source>调整纸张四角</source>
        <extracomment>The frame is shown at most this big; handles are placed in frame pixels all the same. A press this close to a handle (screen pixels) picks it up.</extracomment>
        <translation>Adjust the paper corners</translation>
    </message>
    <message>
        <source>没能确定纸张的边缘。请把四个角点拖到纸张的四个角上，然后按 Enter 确认。</source>
        <translation>The edges of the paper could not be found for sure. Drag the four handles onto the corners of the paper, then press Enter.</translation>
    </message>
    <message>
        <source>把四个角点拖到纸张的四个角上，然后按 Enter 确认。</source>
        <translation>Drag the four handles onto the corners of the paper, then press Enter.</translation>
    </message>
    <message>
        <source>键盘：Tab 或 1–4 选角点，方向键微调（按住 Shift 移动更快），Esc 取消。</source>
        <translation>Keyboard: Tab or 1–4 picks a handle, the arrow keys move it (faster with Shift), Esc cancels.</translation>
    </message>
    <message>
        <source>恢复识别结果</source>
        <translation>Back to the detected corners</translation>
    </message>
    <message>
        <source>使用整个画面</source>
        <translation>Use the whole picture</translation>
    </message>
    <message>
        <source>纸张铺满画面或无法看清边缘时使用</source>
        <translation>For paper that fills the picture or whose edges cannot be seen</translation>
    </message>
    <message>
        <source>确定 (Enter)</source>
        <translation>OK (Enter)</translation>
    </message>
    <message>
        <source>取消 (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
</context>
<context>
    <name>CorrectionDialog</name>
    <message>
        <source>请至少列出一项需要补正的材料及要求。</source>
        <translation>List at least one material to correct and what is required.</translation>
    </message>
    <message>
        <source>补正告知 · {number}</source>
        <translation>Request correction · {number}</translation>
    </message>
    <message>
        <source>一次性告知申请人需要补正的全部材料。请核对每一项的补正要求，可修改、增加或删除；确认后打印补正告知，办件等待补正收件。</source>
        <translation>Tell the applicant, in one go, every material to correct. Check what each line asks for; you may edit, add or delete lines. After confirming, the correction notice is printed and the case waits for the correction.</translation>
    </message>
    <message>
        <source>材料</source>
        <translation>Material</translation>
    </message>
    <message>
        <source>补正要求</source>
        <translation>What is required</translation>
    </message>
    <message>
        <source>增加一项</source>
        <translation>Add a line</translation>
    </message>
    <message>
        <source>删除选中项</source>
        <translation>Delete selected lines</translation>
    </message>
    <message>
        <source>补正期限：</source>
        <translation>Correct by:</translation>
    </message>
    <message>
        <source>确认告知并打印</source>
        <translation>Confirm and print</translation>
    </message>
</context>
<context>
    <name>CounterOps</name>
    <message>
        <source>正在叫号…</source>
        <translation>Calling…</translation>
    </message>
</context>
<context>
    <name>CounterStatusBar</name>
    <message>
        <source>站点：—</source>
        <translation>Station: —</translation>
    </message>
    <message>
        <source>窗口：—</source>
        <translation>Window: —</translation>
    </message>
    <message>
        <source>平台：未配置</source>
        <translation>Platform: not configured</translation>
    </message>
    <message>
        <source>待同步 — 件</source>
        <translation>To sync: —</translation>
    </message>
    <message>
        <source>按 F12 查看快捷键</source>
        <translation>Press F12 for the keys</translation>
    </message>
    <message>
        <source>{n} 号窗口</source>
        <translation>Window {n}</translation>
    </message>
    <message>
        <source>待同步 {n} 件</source>
        <translation>To sync: {n}</translation>
    </message>
    <message>
        <source>今日办件 {n} 件</source>
        <translation>Cases today: {n}</translation>
    </message>
    <message>
        <source>{name}（{role}）</source>
        <translation>{name} ({role})</translation>
    </message>
    <message>
        <source>账号：{username}</source>
        <translation>Account: {username}</translation>
    </message>
    <message>
        <source>平台：离线</source>
        <translation>Platform: offline</translation>
    </message>
    <message>
        <source>{url}
尚未与平台同步</source>
        <translation>{url}
Not synchronised with the platform yet</translation>
    </message>
    <message>
        <source>配置文件中未填写平台地址，本机单机运行</source>
        <translation>No platform address in the configuration; this PC works on its own</translation>
    </message>
</context>
<context>
    <name>CounterWindow</name>
    <message>
        <source>一窗 · 综合窗口受理</source>
        <translation>YiChuang · One-window counter</translation>
    </message>
    <message>
        <source>打印(&amp;P)</source>
        <translation>&amp;Print</translation>
    </message>
    <message>
        <source>打印任务…</source>
        <translation>Print jobs…</translation>
    </message>
    <message>
        <source>同步(&amp;S)</source>
        <translation>&amp;Sync</translation>
    </message>
    <message>
        <source>立即同步</source>
        <translation>Sync now</translation>
    </message>
    <message>
        <source>同步记录…</source>
        <translation>Sync log…</translation>
    </message>
    <message>
        <source>尚未设置省级平台地址（配置项 sync.platform_url），本机不向平台同步。</source>
        <translation>No provincial platform address is set (setting sync.platform_url); this PC does not sync with the platform.</translation>
    </message>
</context>
<context>
    <name>DecisionBar</name>
    <message>
        <source>预登记</source>
        <translation>Pre-register</translation>
    </message>
    <message>
        <source>为办件编号并分送部门窗口，打印收件凭证</source>
        <translation>Number the case, route it to the department&apos;s window and print the receiving slip</translation>
    </message>
    <message>
        <source>受理 (F8)</source>
        <translation>Accept (F8)</translation>
    </message>
    <message>
        <source>材料齐全、符合法定形式：受理并打印受理回执</source>
        <translation>Materials complete and in legal form: accept and print the acceptance receipt</translation>
    </message>
    <message>
        <source>补正告知 (F9)</source>
        <translation>Request correction (F9)</translation>
    </message>
    <message>
        <source>材料不齐或不符合要求：一次性告知需补正的全部材料</source>
        <translation>Materials missing or not as required: list everything to correct in one go</translation>
    </message>
    <message>
        <source>不予受理 (F10)</source>
        <translation>Reject (F10)</translation>
    </message>
    <message>
        <source>不属于受理范围或不符合条件：说明理由</source>
        <translation>Out of scope or conditions not met: state the reason</translation>
    </message>
    <message>
        <source>打印通知书 (Ctrl+P)</source>
        <translation>Print notice (Ctrl+P)</translation>
    </message>
    <message>
        <source>生成并预览 A4 通知书（受理通知书、一次性告知书、不予受理通知书）</source>
        <translation>Make and preview the A4 notice (acceptance, correction or rejection notice)</translation>
    </message>
    <message>
        <source>撤销决定</source>
        <translation>Undo decision</translation>
    </message>
    <message>
        <source>值班长：撤销受理、补正告知或不予受理，办件回到“已收件”</source>
        <translation>Supervisor: undo an acceptance, correction request or rejection; the case goes back to “Received”</translation>
    </message>
    <message>
        <source>（无承诺办结日）</source>
        <translation>(no promised date)</translation>
    </message>
    <message>
        <source>（暂定：节假日安排尚未公布，公布后重新计算）</source>
        <translation> (provisional: the holiday schedule is not published yet; recalculated once it is)</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>尚未建立办件。</source>
        <translation>No case opened yet.</translation>
    </message>
    <message>
        <source>请先选择事项。</source>
        <translation>Choose a service item first.</translation>
    </message>
    <message>
        <source>办件 {number} · {state}</source>
        <translation>Case {number} · {state}</translation>
    </message>
    <message>
        <source> · 承诺办结日 {date}</source>
        <translation> · promised by {date}</translation>
    </message>
    <message>
        <source> · 补正期限 {date}</source>
        <translation> · correct by {date}</translation>
    </message>
    <message>
        <source>正在建立办件…</source>
        <translation>Opening the case…</translation>
    </message>
    <message>
        <source>正在收件…</source>
        <translation>Receiving…</translation>
    </message>
    <message>
        <source>本次办事已建立办件，不能再预登记。</source>
        <translation>This visit already has a case; it cannot be pre-registered again.</translation>
    </message>
    <message>
        <source>将为本次办事预登记：编号并分送承办部门窗口办理，打印收件凭证交申请人。</source>
        <translation>This visit will be pre-registered: the case is numbered and routed to the department&apos;s window, and a receiving slip is printed for the applicant.</translation>
    </message>
    <message>
        <source>确认预登记</source>
        <translation>Confirm pre-registration</translation>
    </message>
    <message>
        <source>正在预登记…</source>
        <translation>Pre-registering…</translation>
    </message>
    <message>
        <source>（代办：{agent}）</source>
        <translation> (agent: {agent})</translation>
    </message>
    <message>
        <source>受理办件 {number}：{title}
申请人：{applicant}{agent}
承诺办结日：{promised}
确认后打印受理回执；受理通知书可按 Ctrl+P 打印。</source>
        <translation>Accept case {number}: {title}
Applicant: {applicant}{agent}
Promised by: {promised}
The acceptance receipt prints after confirming; press Ctrl+P for the acceptance notice.</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>确认受理</source>
        <translation>Confirm acceptance</translation>
    </message>
    <message>
        <source>正在受理…</source>
        <translation>Accepting…</translation>
    </message>
    <message>
        <source>正在登记补正告知…</source>
        <translation>Recording the correction request…</translation>
    </message>
    <message>
        <source>正在登记不予受理…</source>
        <translation>Recording the rejection…</translation>
    </message>
    <message>
        <source>撤销办件 {number} 的“{state}”决定，办件回到“已收件”。</source>
        <translation>Undo the “{state}” decision on case {number}; the case goes back to “Received”.</translation>
    </message>
    <message>
        <source>确认撤销</source>
        <translation>Confirm undo</translation>
    </message>
    <message>
        <source>正在撤销决定…</source>
        <translation>Undoing the decision…</translation>
    </message>
    <message>
        <source>当前办件没有可打印的通知书。</source>
        <translation>The current case has no notice to print.</translation>
    </message>
</context>
<context>
    <name>DeferDialog</name>
    <message>
        <source>容缺受理 · {name}</source>
        <translation>Defer material · {name}</translation>
    </message>
    <message>
        <source>补交期限：</source>
        <translation>Bring by:</translation>
    </message>
    <message>
        <source>承诺内容：</source>
        <translation>Commitment:</translation>
    </message>
    <message>
        <source>登记容缺</source>
        <translation>Record deferral</translation>
    </message>
</context>
<context>
    <name>DeliveryDialog</name>
    <message>
        <source>请对本次服务进行评价</source>
        <translation>Please rate our service</translation>
    </message>
    <message>
        <source>出件已登记，领取回执正在打印。</source>
        <translation>Hand-over recorded; the collection receipt is printing.</translation>
    </message>
    <message>
        <source>本机未配置身份证阅读器，请手工输入领取人证件号码。</source>
        <translation>No ID card reader is configured on this PC; type the collector&apos;s ID number.</translation>
    </message>
    <message>
        <source>正在读取领取人身份证…</source>
        <translation>Reading the collector&apos;s ID card…</translation>
    </message>
    <message>
        <source>出件 · {number}</source>
        <translation>Hand over · {number}</translation>
    </message>
    <message>
        <source>申请人：{name} {id}</source>
        <translation>Applicant: {name} {id}</translation>
    </message>
    <message>
        <source>&#x3000;代办人：{name}</source>
        <translation>  Agent: {name}</translation>
    </message>
    <message>
        <source>当面领取</source>
        <translation>Collect in person</translation>
    </message>
    <message>
        <source>EMS 邮寄</source>
        <translation>Mail by EMS</translation>
    </message>
    <message>
        <source>读身份证，或输入 18 位证件号码</source>
        <translation>Read the ID card, or type the 18-character ID number</translation>
    </message>
    <message>
        <source>读身份证 (F2)</source>
        <translation>Read ID card (F2)</translation>
    </message>
    <message>
        <source>领取人姓名：</source>
        <translation>Collector&apos;s name:</translation>
    </message>
    <message>
        <source>领取人证件：</source>
        <translation>Collector&apos;s ID:</translation>
    </message>
    <message>
        <source>收件人：</source>
        <translation>Recipient:</translation>
    </message>
    <message>
        <source>收件地址：</source>
        <translation>Address:</translation>
    </message>
    <message>
        <source>EMS 单号：</source>
        <translation>EMS tracking number:</translation>
    </message>
    <message>
        <source>确认出件</source>
        <translation>Confirm hand-over</translation>
    </message>
    <message>
        <source>正在登记出件…</source>
        <translation>Recording the hand-over…</translation>
    </message>
</context>
<context>
    <name>DeviceRow</name>
    <message>
        <source>驱动</source>
        <translation>Driver</translation>
    </message>
    <message>
        <source>测试</source>
        <translation>Test</translation>
    </message>
    <message>
        <source>未测试</source>
        <translation>Not tested</translation>
    </message>
    <message>
        <source>点“测试”后在此扫描任意条码</source>
        <translation>Press “Test”, then scan any barcode here</translation>
    </message>
    <message>
        <source>扫描结果</source>
        <translation>Scanned</translation>
    </message>
    <message>
        <source>自动（有第二块屏幕时用第二块）</source>
        <translation>Automatic (the second screen when there is one)</translation>
    </message>
    <message>
        <source>第 {number} 块屏幕：{name}（{width}×{height}）</source>
        <translation>Screen {number}: {name} ({width}×{height})</translation>
    </message>
    <message>
        <source>第 {number} 块屏幕（未连接）</source>
        <translation>Screen {number} (not connected)</translation>
    </message>
    <message>
        <source>正在测试…</source>
        <translation>Testing…</translation>
    </message>
    <message>
        <source>不使用</source>
        <translation>Not used</translation>
    </message>
</context>
<context>
    <name>DeviceStrip</name>
    <message>
        <source>{kind}：{state}</source>
        <extracomment>States that need no attention.</extracomment>
        <translation>{kind}: {state}</translation>
    </message>
    <message>
        <source>{message}（驱动：{driver}）</source>
        <translation>{message} (driver: {driver})</translation>
    </message>
    <message>
        <source>设备：{n} 台就绪</source>
        <translation>Devices: {n} ready</translation>
    </message>
    <message>
        <source>{kind}{state}</source>
        <translation>{kind} {state}</translation>
    </message>
    <message>
        <source>{n} 台需处理</source>
        <translation>{n} need attention</translation>
    </message>
    <message>
        <source>，{n} 台就绪</source>
        <translation>, {n} ready</translation>
    </message>
    <message>
        <source>设备：</source>
        <translation>Devices: </translation>
    </message>
</context>
<context>
    <name>DeviceTests</name>
    <message>
        <source>已打印测试页（纸宽 {dots} 点），请查看字迹是否清楚完整、切纸是否正常。</source>
        <extracomment>How long the camera preview of the test runs before the still is taken. A test waits this long for the device thread (opening a driver can take a few seconds).</extracomment>
        <translation>Test page printed (paper {dots} dots wide). Check that the print is clear and complete and the paper was cut.</translation>
    </message>
    <message>
        <source>社保卡</source>
        <translation>social security card</translation>
    </message>
    <message>
        <source>卡片</source>
        <translation>card</translation>
    </message>
    <message>
        <source>读卡成功：{kind}，芯片号 {serial}。</source>
        <translation>Card read: {kind}, chip serial {serial}.</translation>
    </message>
    <message>
        <source>预览正常，已拍摄测试照片：{size} 像素。请查看画面是否清楚、方向是否正确。</source>
        <translation>Preview works; test picture taken: {size} pixels. Check that it is sharp and the right way up.</translation>
    </message>
    <message>
        <source>扫描成功：{width}×{height} 像素。请查看画面是否完整清楚。</source>
        <translation>Scanned: {width}×{height} pixels. Check that the page is complete and clear.</translation>
    </message>
    <message>
        <source>已播报“{phrase}”。请确认大厅里能听清，音量合适。</source>
        <translation>Announced “{phrase}”. Check that it can be heard clearly in the hall at a good volume.</translation>
    </message>
    <message>
        <source>设备测试：请按任意一个评价键</source>
        <translation>Device test: press any rating key</translation>
    </message>
    <message>
        <source>{seconds} 秒内没有收到评价。请检查评价器的连接，测试时请按一下评价键。</source>
        <translation>No rating within {seconds} s. Check the evaluator&apos;s connection and press a rating key during the test.</translation>
    </message>
    <message>
        <source>评价器正常，收到评价：{label}。</source>
        <translation>The evaluator works; rating received: {label}.</translation>
    </message>
    <message>
        <source>设备在 {seconds} 秒内没有应答，请检查连接和驱动设置后重试。</source>
        <translation>The device did not answer within {seconds} s. Check its connection and driver settings and try again.</translation>
    </message>
    <message>
        <source>测试出错，请检查驱动设置（详细原因见日志）。</source>
        <translation>The test failed. Check the driver settings (details in the log).</translation>
    </message>
    <message>
        <source>未选择驱动，本机不使用这种设备。</source>
        <translation>No driver chosen: this machine does not use such a device.</translation>
    </message>
    <message>
        <source>照片已解码</source>
        <translation>photo decoded</translation>
    </message>
    <message>
        <source>照片未解码（未配置照片解码库）</source>
        <translation>photo not decoded (no photo decoder configured)</translation>
    </message>
    <message>
        <source>读卡成功：{type} {number}，{photo}。已记入审计日志。</source>
        <translation>Card read: {type} {number}, {photo}. Recorded in the audit log.</translation>
    </message>
    <message>
        <source>所选驱动不是扫码枪驱动。</source>
        <translation>The chosen driver is not a barcode scanner driver.</translation>
    </message>
    <message>
        <source>扫码枪已连接：请扫描任意条码或二维码，扫到的内容会显示在下面。</source>
        <translation>The barcode scanner is connected: scan any barcode or QR code; what it reads is shown below.</translation>
    </message>
</context>
<context>
    <name>Devices</name>
    <message>
        <source>身份证阅读器</source>
        <extracomment>Device kinds (devices.kinds.KIND_NAMES) and states (devices.status.STATE_NAMES).</extracomment>
        <translation>ID card reader</translation>
    </message>
    <message>
        <source>社保卡/智能卡读卡器</source>
        <translation>Social security / smart card reader</translation>
    </message>
    <message>
        <source>小票打印机</source>
        <translation>Receipt printer</translation>
    </message>
    <message>
        <source>高拍仪</source>
        <translation>Document camera</translation>
    </message>
    <message>
        <source>扫描仪</source>
        <translation>Scanner</translation>
    </message>
    <message>
        <source>扫码枪</source>
        <translation>Barcode scanner</translation>
    </message>
    <message>
        <source>语音播报</source>
        <translation>Voice announcer</translation>
    </message>
    <message>
        <source>评价器</source>
        <translation>Rating pad</translation>
    </message>
    <message>
        <source>就绪</source>
        <translation>ready</translation>
    </message>
    <message>
        <source>忙碌</source>
        <translation>busy</translation>
    </message>
    <message>
        <source>未连接</source>
        <translation>not connected</translation>
    </message>
    <message>
        <source>故障</source>
        <translation>faulty</translation>
    </message>
    <message>
        <source>未配置</source>
        <translation>not configured</translation>
    </message>
</context>
<context>
    <name>DevicesPage</name>
    <message>
        <source>不使用</source>
        <extracomment>What each driver name means, for the installer choosing one.</extracomment>
        <translation>Not used</translation>
    </message>
    <message>
        <source>模拟设备</source>
        <translation>Simulated device</translation>
    </message>
    <message>
        <source>串口阅读器</source>
        <translation>Serial reader</translation>
    </message>
    <message>
        <source>USB 直连阅读器</source>
        <translation>USB reader</translation>
    </message>
    <message>
        <source>厂商读卡库</source>
        <translation>Vendor SDK</translation>
    </message>
    <message>
        <source>PC/SC 读卡器</source>
        <translation>PC/SC reader</translation>
    </message>
    <message>
        <source>ESC/POS 小票打印机</source>
        <translation>ESC/POS receipt printer</translation>
    </message>
    <message>
        <source>USB 摄像头/高拍仪</source>
        <translation>USB camera / document camera</translation>
    </message>
    <message>
        <source>SANE 扫描仪</source>
        <translation>SANE scanner</translation>
    </message>
    <message>
        <source>WIA 扫描仪（Windows）</source>
        <translation>WIA scanner (Windows)</translation>
    </message>
    <message>
        <source>键盘式扫码枪</source>
        <translation>Keyboard-wedge scanner</translation>
    </message>
    <message>
        <source>espeak-ng 语音</source>
        <translation>espeak-ng voice</translation>
    </message>
    <message>
        <source>设备检测</source>
        <translation>Device check</translation>
    </message>
    <message>
        <source>为每种设备选择驱动并点“测试”：打印测试页、读一次证件、拍一张照片……不用的设备选“不使用”。</source>
        <translation>Choose a driver for each device and press “Test”: print a test page, read a card, take a picture… Choose “Not used” for devices this machine does not have.</translation>
    </message>
    <message>
        <source>扫码枪正常，收到：{code}</source>
        <translation>The barcode scanner works; received: {code}</translation>
    </message>
</context>
<context>
    <name>DisplayLaunch</name>
    <message>
        <source>冒烟检查失败：%1 秒内没有载入叫号信息。</source>
        <translation>Smoke check failed: the calling board did not load within %1 seconds.</translation>
    </message>
</context>
<context>
    <name>DisplayWindow</name>
    <message>
        <source>数据库连接中断，正在重连…</source>
        <translation>Database connection lost, reconnecting…</translation>
    </message>
    <message>
        <source>请保管好您的排队号，留意屏幕和语音叫号；过号请咨询导办人员。办理完毕，欢迎对我们的服务作出评价。</source>
        <translation>Please keep your queue ticket and watch the screen and the voice calls; if you missed your call, please ask a hall guide. When you are done, we welcome your rating of our service.</translation>
    </message>
    <message>
        <source>请前往</source>
        <translation>Please go</translation>
    </message>
    <message>
        <source>办理中</source>
        <translation>Being served</translation>
    </message>
    <message>
        <source>请%1号到%2号窗口办理</source>
        <translation>Number %1, please go to window %2</translation>
    </message>
    <message>
        <source>（重呼）</source>
        <translation> (repeat call)</translation>
    </message>
    <message>
        <source>叫号屏</source>
        <translation>Calling display</translation>
    </message>
    <message>
        <source>叫号信息</source>
        <translation>Calling board</translation>
    </message>
    <message>
        <source>窗口叫号</source>
        <translation>Windows</translation>
    </message>
    <message>
        <source>各窗口暂无叫号</source>
        <translation>No calls at the windows</translation>
    </message>
    <message>
        <source>最近叫号</source>
        <translation>Recent calls</translation>
    </message>
    <message>
        <source>等候人数</source>
        <translation>People waiting</translation>
    </message>
    <message>
        <source>%1 · 叫号信息</source>
        <translation>%1 · Calling board</translation>
    </message>
    <message>
        <source>欢迎光临，请留意叫号</source>
        <translation>Welcome, please watch for your number</translation>
    </message>
    <message>
        <source>%1号窗口</source>
        <translation>Window %1</translation>
    </message>
    <message>
        <source>今日暂无叫号</source>
        <translation>No calls yet today</translation>
    </message>
    <message>
        <source>%1 %2  %3人</source>
        <translation>%1 %2  %3 waiting</translation>
    </message>
</context>
<context>
    <name>Documents</name>
    <message>
        <source>收件凭证</source>
        <extracomment>Printed documents (keys of app.documents.templates.TEMPLATES), as dialog titles name them.</extracomment>
        <translation>Receiving slip</translation>
    </message>
    <message>
        <source>受理回执</source>
        <translation>Acceptance receipt</translation>
    </message>
    <message>
        <source>补正告知</source>
        <translation>Correction slip</translation>
    </message>
    <message>
        <source>领取回执</source>
        <translation>Collection receipt</translation>
    </message>
    <message>
        <source>受理通知书</source>
        <translation>Acceptance notice</translation>
    </message>
    <message>
        <source>一次性告知书</source>
        <translation>Correction notice</translation>
    </message>
    <message>
        <source>不予受理通知书</source>
        <translation>Rejection notice</translation>
    </message>
    <message>
        <source>不予受理告知</source>
        <translation>Non-acceptance slip</translation>
    </message>
    <message>
        <source>评价二维码</source>
        <translation>Evaluation QR slip</translation>
    </message>
</context>
<context>
    <name>Evaluation</name>
    <message>
        <source>非常满意</source>
        <translation>Very satisfied</translation>
    </message>
    <message>
        <source>满意</source>
        <translation>Satisfied</translation>
    </message>
    <message>
        <source>基本满意</source>
        <translation>Basically satisfied</translation>
    </message>
    <message>
        <source>不满意</source>
        <translation>Dissatisfied</translation>
    </message>
    <message>
        <source>非常不满意</source>
        <translation>Very dissatisfied</translation>
    </message>
    <message>
        <source>办事效率低</source>
        <translation>Slow service</translation>
    </message>
    <message>
        <source>服务态度差</source>
        <translation>Unfriendly staff</translation>
    </message>
    <message>
        <source>一次性告知不清</source>
        <translation>Requirements not explained in full at once</translation>
    </message>
    <message>
        <source>多次跑动</source>
        <translation>Had to come back several times</translation>
    </message>
    <message>
        <source>材料要求不合理</source>
        <translation>Unreasonable document requirements</translation>
    </message>
    <message>
        <source>等候时间过长</source>
        <translation>Waited too long</translation>
    </message>
    <message>
        <source>办事指南不准确</source>
        <translation>Service guide inaccurate</translation>
    </message>
    <message>
        <source>其他</source>
        <translation>Other</translation>
    </message>
</context>
<context>
    <name>EvaluatorLaunch</name>
    <message>
        <source>冒烟检查失败：{s} 秒内没有载入本窗口的评价信息。</source>
        <extracomment>A common 10-inch evaluator pad; smoke runs and screenshots use it.</extracomment>
        <translation>Smoke check failed: the rating details of this window did not load within {s} seconds.</translation>
    </message>
</context>
<context>
    <name>EvaluatorWindow</name>
    <message>
        <source>一窗 · 服务评价</source>
        <extracomment>Button colours from best to worst, like the hall evaluators applicants know (green … red).</extracomment>
        <translation>YiChuang · Rate our service</translation>
    </message>
    <message>
        <source>请您对本次服务进行评价</source>
        <translation>Please rate the service you received</translation>
    </message>
    <message>
        <source>其他意见或建议（选填，最多 {n} 字）</source>
        <translation>Other comments or suggestions (optional, at most {n} characters)</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>提交评价</source>
        <translation>Submit rating</translation>
    </message>
    <message>
        <source>请至少勾选一项原因</source>
        <translation>Please tick at least one reason</translation>
    </message>
    <message>
        <source>感谢您的评价！</source>
        <translation>Thank you for your rating!</translation>
    </message>
    <message>
        <source>{n}号窗口</source>
        <translation>Window {n}</translation>
    </message>
    <message>
        <source>工作人员：{name}</source>
        <translation>Staff: {name}</translation>
    </message>
    <message>
        <source>{number}号</source>
        <translation>No. {number}</translation>
    </message>
    <message>
        <source>本次服务已评价，欢迎您再次光临</source>
        <translation>This visit has been rated. We look forward to serving you again</translation>
    </message>
    <message>
        <source>您选择了“{level}”，请告诉我们原因（可多选）</source>
        <translation>You chose “{level}”. Please tell us why (tick all that apply)</translation>
    </message>
    <message>
        <source>我们会认真核实您反映的问题，并尽快整改。</source>
        <translation>We will look into the problem you reported and put it right as soon as possible.</translation>
    </message>
    <message>
        <source>欢迎您再次光临。</source>
        <translation>We look forward to serving you again.</translation>
    </message>
</context>
<context>
    <name>GuideView</name>
    <message>
        <source>选择事项后，这里显示办事指南。</source>
        <translation>Choose a service item to see its guide here.</translation>
    </message>
    <message>
        <source>一件事编码</source>
        <extracomment>Section headings; Chinese source strings of the &quot;GuideView&quot; context.</extracomment>
        <translation>Bundle code</translation>
    </message>
    <message>
        <source>事项编码</source>
        <translation>Item code</translation>
    </message>
    <message>
        <source>实施部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>包含事项</source>
        <translation>Service items</translation>
    </message>
    <message>
        <source>受理条件</source>
        <translation>Conditions</translation>
    </message>
    <message>
        <source>申请材料</source>
        <translation>Materials</translation>
    </message>
    <message>
        <source>材料</source>
        <translation>Material</translation>
    </message>
    <message>
        <source>要求</source>
        <translation>Requirement</translation>
    </message>
    <message>
        <source>份数</source>
        <translation>Copies</translation>
    </message>
    <message>
        <source>法定办结时限</source>
        <translation>Statutory time limit</translation>
    </message>
    <message>
        <source>承诺办结时限</source>
        <translation>Promised time limit</translation>
    </message>
    <message>
        <source>收费</source>
        <translation>Fees</translation>
    </message>
    <message>
        <source>办理窗口</source>
        <translation>Windows</translation>
    </message>
    <message>
        <source>办理地点</source>
        <translation>Where</translation>
    </message>
    <message>
        <source>办理时间</source>
        <translation>Office hours</translation>
    </message>
    <message>
        <source>咨询电话</source>
        <translation>Enquiries</translation>
    </message>
    <message>
        <source>监督投诉电话</source>
        <translation>Complaints</translation>
    </message>
    <message>
        <source>{label}：{value}</source>
        <translation>{label}: {value}</translation>
    </message>
    <message>
        <source>办事指南</source>
        <translation>Guide</translation>
    </message>
    <message>
        <source>正在读取办事指南…</source>
        <translation>Loading the guide…</translation>
    </message>
</context>
<context>
    <name>HandledNoteDialog</name>
    <message>
        <source>标记已处理</source>
        <translation>Mark as handled</translation>
    </message>
    <message>
        <source>办件 {number} 的“{change}”被平台退回：
{reason}

请写明是如何处理的（例如：已电话联系平台补录）。</source>
        <translation>The platform refused “{change}” of case {number}:
{reason}

Please write down how it was settled (for example: the platform entered it after a phone call).</translation>
    </message>
    <message>
        <source>处理说明（必填）</source>
        <translation>How it was settled (required)</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <source>快捷键</source>
        <translation>Keyboard shortcuts</translation>
    </message>
    <message>
        <source>按 F12、? 或 Esc 关闭</source>
        <translation>Press F12, ? or Esc to close</translation>
    </message>
    <message>
        <source>{action}（{why}）</source>
        <translation>{action} ({why})</translation>
    </message>
</context>
<context>
    <name>IdleLock</name>
    <message>
        <source>请输入密码。</source>
        <translation>Please enter the password.</translation>
    </message>
    <message>
        <source>密码不正确，请重新输入。</source>
        <translation>Wrong password, please try again.</translation>
    </message>
</context>
<context>
    <name>ItemPanel</name>
    <message>
        <source>输入事项名称、编码、部门或拼音首字母，如 jzgc</source>
        <translation>Item name, code, department or pinyin initials, e.g. jzgc</translation>
    </message>
    <message>
        <source>事项名称</source>
        <translation>Service item</translation>
    </message>
    <message>
        <source>实施部门</source>
        <translation>Department</translation>
    </message>
    <message>
        <source>承诺时限</source>
        <translation>Promised</translation>
    </message>
    <message>
        <source>一件事</source>
        <translation>Bundle</translation>
    </message>
    <message>
        <source>包含事项</source>
        <translation>Service items</translation>
    </message>
    <message>
        <source>单项事项</source>
        <translation>Items</translation>
    </message>
    <message>
        <source>本次办事已建立办件，不能更换事项；如需办理其他事项，请办完后叫下一位或重新开始。</source>
        <translation>This visit already has a case, so its service item cannot change. For another item, finish this case and call the next number, or start over.</translation>
    </message>
    <message>
        <source>办件</source>
        <extracomment>Below this width the result list hides the department column.</extracomment>
        <translation>Case</translation>
    </message>
    <message>
        <source>正在查找事项…</source>
        <translation>Searching service items…</translation>
    </message>
    <message>
        <source>{name}
{department}
实施编码：{code}</source>
        <translation>{name}
{department}
Implementation code: {code}</translation>
    </message>
    <message>
        <source>{n} 项</source>
        <translation>{n} items</translation>
    </message>
    <message>
        <source>一件事（{n}）</source>
        <translation>Bundles ({n})</translation>
    </message>
    <message>
        <source>没有找到事项，请换个关键词</source>
        <translation>Nothing found; try other words</translation>
    </message>
    <message>
        <source>找到 {n} 个事项</source>
        <translation>{n} service items found</translation>
    </message>
    <message>
        <source>、{n} 个“一件事”</source>
        <translation>, {n} bundles</translation>
    </message>
</context>
<context>
    <name>KeyMap</name>
    <message>
        <source>叫号（办结当前号并叫下一位）</source>
        <translation>Call next (finish the current number first)</translation>
    </message>
    <message>
        <source>读身份证</source>
        <translation>Read ID card</translation>
    </message>
    <message>
        <source>重呼</source>
        <translation>Recall</translation>
    </message>
    <message>
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <source>转移</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <source>暂停 / 恢复服务</source>
        <translation>Pause / resume service</translation>
    </message>
    <message>
        <source>指定号码叫号</source>
        <translation>Call a given number</translation>
    </message>
    <message>
        <source>挂起当前号</source>
        <translation>Park the current number</translation>
    </message>
    <message>
        <source>取消当前号</source>
        <translation>Cancel the current number</translation>
    </message>
    <message>
        <source>拍照 / 扫描当前材料</source>
        <translation>Photograph / scan the current material</translation>
    </message>
    <message>
        <source>受理</source>
        <translation>Accept</translation>
    </message>
    <message>
        <source>补正告知</source>
        <translation>Request correction</translation>
    </message>
    <message>
        <source>不予受理</source>
        <translation>Reject</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>办件列表</source>
        <translation>Case list</translation>
    </message>
    <message>
        <source>打印任务（补打、重新打印、取消）</source>
        <translation>Print jobs (reprint, print again, cancel)</translation>
    </message>
    <message>
        <source>立即同步（等待重试的记录马上发送）</source>
        <translation>Sync now (waiting retries go at once)</translation>
    </message>
    <message>
        <source>搜索事项</source>
        <translation>Search service items</translation>
    </message>
    <message>
        <source>从搜索框进入结果列表 / 重新搜索</source>
        <translation>From the search box into the results / search again</translation>
    </message>
    <message>
        <source>显示或隐藏快捷键帮助（? 在输入框外）</source>
        <translation>Show or hide this help (? outside text fields)</translation>
    </message>
    <message>
        <source>锁屏</source>
        <translation>Lock the screen</translation>
    </message>
    <message>
        <source>关闭快捷键帮助</source>
        <translation>Close this help</translation>
    </message>
</context>
<context>
    <name>KioskLaunch</name>
    <message>
        <source>冒烟检查失败：{seconds} 秒内没有载入取号类别和打印机状态。</source>
        <extracomment>A common kiosk touch screen; smoke runs and screenshots use it so pictures are comparable. The configuration key of the elderly-priority age.</extracomment>
        <translation>Smoke check failed: the ticket categories and the printer state did not load within {seconds} s.</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <source>打印机缺纸，暂停出票，请到服务台取号</source>
        <extracomment>How long an elderly card&apos;s priority waits for the category tap.</extracomment>
        <translation>The printer is out of paper. Tickets are paused; please get a number at the service desk</translation>
    </message>
    <message>
        <source>打印机纸仓盖未关好，暂停出票，请到服务台取号</source>
        <translation>The printer cover is open. Tickets are paused; please get a number at the service desk</translation>
    </message>
    <message>
        <source>打印机未连接，暂停出票，请到服务台取号</source>
        <translation>The printer is not connected. Tickets are paused; please get a number at the service desk</translation>
    </message>
    <message>
        <source>预约优先</source>
        <translation>Appointment priority</translation>
    </message>
    <message>
        <source>老年人优先</source>
        <translation>Senior priority</translation>
    </message>
    <message>
        <source>残疾人优先</source>
        <translation>Disability priority</translation>
    </message>
    <message>
        <source>绿色通道</source>
        <translation>Green channel</translation>
    </message>
    <message>
        <source>等候中</source>
        <translation>waiting</translation>
    </message>
    <message>
        <source>已叫号</source>
        <translation>called</translation>
    </message>
    <message>
        <source>办理中</source>
        <translation>being served</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>done</translation>
    </message>
    <message>
        <source>过号</source>
        <translation>missed</translation>
    </message>
    <message>
        <source>挂起</source>
        <translation>on hold</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>cancelled</translation>
    </message>
    <message>
        <source>自助取号</source>
        <extracomment>The kiosk wants the program to end with this exit code (installer PIN, daily restart).</extracomment>
        <translation>Self-service tickets</translation>
    </message>
    <message>
        <source>{station} · 自助取号</source>
        <translation>{station} · Take a number</translation>
    </message>
    <message>
        <source>请点击您要办理的业务类别取号</source>
        <translation>Tap the kind of service you need to take a number</translation>
    </message>
    <message>
        <source>刷身份证：预约签到 / 老年人优先</source>
        <translation>ID card: appointment check-in / senior priority</translation>
    </message>
    <message>
        <source>已预约的群众，请将预约二维码对准扫码口签到</source>
        <translation>Booked an appointment? Hold its QR code to the scanner to check in</translation>
    </message>
    <message>
        <source>您的号码</source>
        <translation>Your number</translation>
    </message>
    <message>
        <source>等候 {count} 人</source>
        <translation>{count} waiting</translation>
    </message>
    <message>
        <source>本服务点暂未开放取号，请到服务台咨询</source>
        <translation>No numbers are issued here at the moment; please ask at the service desk</translation>
    </message>
    <message>
        <source>未查到您今天的预约，请点击业务类别取号</source>
        <translation>No appointment found for today; tap a kind of service to take a number</translation>
    </message>
    <message>
        <source>号票未能打印（{reason}）请记下您的号码，留意叫号。</source>
        <translation>The ticket could not be printed ({reason}). Please note your number and watch for your call.</translation>
    </message>
    <message>
        <source>您前面没有人等候。请取走号票，留意叫号。</source>
        <translation>Nobody is ahead of you. Please take your ticket and watch for your call.</translation>
    </message>
    <message>
        <source>您前面还有 {count} 人等候。请取走号票，留意叫号。</source>
        <translation>{count} people are ahead of you. Please take your ticket and watch for your call.</translation>
    </message>
    <message>
        <source>正在读取身份证，请将证件平放在阅读器上…</source>
        <translation>Reading the ID card; please lay it flat on the reader…</translation>
    </message>
    <message>
        <source>您已满 {age} 周岁，可优先办理。请点击业务类别取号。</source>
        <translation>You are {age} or older and will be served first. Tap a kind of service to take a number.</translation>
    </message>
    <message>
        <source>{number} 号{state}，前面还有 {count} 人</source>
        <translation>Number {number}: {state}, {count} ahead</translation>
    </message>
    <message>
        <source>{number} 号{state}，请到 {window} 号窗口</source>
        <translation>Number {number}: {state}, please go to window {window}</translation>
    </message>
    <message>
        <source>{number} 号{state}</source>
        <translation>Number {number}: {state}</translation>
    </message>
    <message>
        <source>抱歉，出现意外错误，请重试或到服务台取号。</source>
        <translation>Sorry, something went wrong. Please try again or get a number at the service desk.</translation>
    </message>
</context>
<context>
    <name>KpiHeaders</name>
    <message>
        <source>日期</source>
        <extracomment>Column heads of the KPI table (app.services.kpis.HEADERS without the levels), marked for translation.</extracomment>
        <translation>Date</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>类别名称</source>
        <translation>Category name</translation>
    </message>
    <message>
        <source>窗口</source>
        <translation>Window</translation>
    </message>
    <message>
        <source>取号数</source>
        <translation>Issued</translation>
    </message>
    <message>
        <source>办结数</source>
        <translation>Served</translation>
    </message>
    <message>
        <source>过号数</source>
        <translation>No-shows</translation>
    </message>
    <message>
        <source>过号率(%)</source>
        <translation>No-show rate (%)</translation>
    </message>
    <message>
        <source>平均等候(分钟)</source>
        <translation>Average wait (min)</translation>
    </message>
    <message>
        <source>最长等候(分钟)</source>
        <translation>Longest wait (min)</translation>
    </message>
    <message>
        <source>平均办理(分钟)</source>
        <translation>Average service time (min)</translation>
    </message>
    <message>
        <source>超时等候数</source>
        <translation>Waits over target</translation>
    </message>
    <message>
        <source>超时等候占比(%)</source>
        <translation>Share over target (%)</translation>
    </message>
</context>
<context>
    <name>KpiWindow</name>
    <message>
        <source>一窗 · 大厅运行指标</source>
        <translation>YiChuang · Hall KPIs</translation>
    </message>
    <message>
        <source>全部类别</source>
        <translation>All categories</translation>
    </message>
    <message>
        <source>全部窗口</source>
        <translation>All windows</translation>
    </message>
    <message>
        <source> 分钟</source>
        <translation> min</translation>
    </message>
    <message>
        <source>查询</source>
        <translation>Show</translation>
    </message>
    <message>
        <source>导出 CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <source>导出 Excel…</source>
        <translation>Export Excel…</translation>
    </message>
    <message>
        <source>从</source>
        <translation>From</translation>
    </message>
    <message>
        <source>至</source>
        <translation>To</translation>
    </message>
    <message>
        <source>类别</source>
        <translation>Category</translation>
    </message>
    <message>
        <source>窗口</source>
        <translation>Window</translation>
    </message>
    <message>
        <source>等候目标</source>
        <translation>Wait target</translation>
    </message>
    <message>
        <source>运行指标</source>
        <translation>KPIs</translation>
    </message>
    <message>
        <source>评价时间</source>
        <translation>Rated at</translation>
    </message>
    <message>
        <source>满意度</source>
        <translation>Rating</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reasons</translation>
    </message>
    <message>
        <source>意见</source>
        <translation>Comment</translation>
    </message>
    <message>
        <source>工作人员</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>号码/办件</source>
        <translation>Ticket / case</translation>
    </message>
    <message>
        <source>整改期限</source>
        <translation>Rectify by</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>差评须在 {days} 个工作日内整改并回访；逾期未整改的标红。</source>
        <translation>Bad reviews must be rectified and followed up within {days} working days; overdue ones are shown in red.</translation>
    </message>
    <message>
        <source>登记整改…</source>
        <translation>Record rectification…</translation>
    </message>
    <message>
        <source>需要值班长账号登录才能登记整改</source>
        <translation>Sign in as a supervisor to record rectifications</translation>
    </message>
    <message>
        <source>差评整改</source>
        <translation>Bad-review follow-up</translation>
    </message>
    <message>
        <source>正在统计…</source>
        <translation>Counting…</translation>
    </message>
    <message>
        <source>共取号 {issued} 个，办结 {served} 个；差评 {bad} 条，其中逾期未整改 {overdue} 条。</source>
        <translation>{issued} tickets issued, {served} served; {bad} bad reviews, {overdue} of them overdue.</translation>
    </message>
    <message>
        <source>{n}号窗口</source>
        <translation>Window {n}</translation>
    </message>
    <message>
        <source>合计</source>
        <translation>Total</translation>
    </message>
    <message>
        <source>未叫号</source>
        <translation>Not called</translation>
    </message>
    <message>
        <source>取号</source>
        <translation>Issued</translation>
    </message>
    <message>
        <source>办结</source>
        <translation>Served</translation>
    </message>
    <message>
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <source>取号、办结与过号</source>
        <translation>Issued, served and no-shows</translation>
    </message>
    <message>
        <source>已整改（{who}）</source>
        <translation>Rectified ({who})</translation>
    </message>
    <message>
        <source>逾期 {n} 个工作日</source>
        <translation>Overdue by {n} working days</translation>
    </message>
    <message>
        <source>剩余 {n} 个工作日</source>
        <translation>{n} working days left</translation>
    </message>
    <message>
        <source>（暂定）</source>
        <translation> (provisional)</translation>
    </message>
    <message>
        <source>登记整改</source>
        <translation>Record rectification</translation>
    </message>
    <message>
        <source>整改情况（回访结果、采取的措施）：</source>
        <translation>Rectification (callback result, measures taken):</translation>
    </message>
    <message>
        <source>大厅运行指标</source>
        <translation>hall-kpis</translation>
    </message>
    <message>
        <source>CSV 文件 (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbooks (*.xlsx)</translation>
    </message>
    <message>
        <source>导出运行指标</source>
        <translation>Export KPIs</translation>
    </message>
    <message>
        <source>已导出 {n} 行到 {path}</source>
        <translation>Exported {n} rows to {path}</translation>
    </message>
</context>
<context>
    <name>Limits</name>
    <message>
        <source>个工作日</source>
        <extracomment>法定/承诺时限单位 codes (the platform exchange&apos;s TIMEUNIT); see reference/gov-domain.md §1.6. Chinese source texts of the &quot;Limits&quot; translation context.</extracomment>
        <translation>working days</translation>
    </message>
    <message>
        <source>天</source>
        <translation>days</translation>
    </message>
    <message>
        <source>小时</source>
        <translation>hours</translation>
    </message>
    <message>
        <source>分钟</source>
        <translation>minutes</translation>
    </message>
    <message>
        <source>个月</source>
        <translation>months</translation>
    </message>
    <message>
        <source>即办</source>
        <translation>On the spot</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>不收费</source>
        <translation>Free of charge</translation>
    </message>
    <message>
        <source>原件 {n} 份</source>
        <extracomment>补正 deadline the dialog proposes: five working days is the usual 一次性告知 term.</extracomment>
        <translation>Original ×{n}</translation>
    </message>
    <message>
        <source>复印件 {n} 份</source>
        <translation>Copy ×{n}</translation>
    </message>
    <message>
        <source>收费</source>
        <translation>Fee</translation>
    </message>
    <message>
        <source>{name}：{standard}</source>
        <translation>{name}: {standard}</translation>
    </message>
    <message>
        <source>{item}：{text}</source>
        <translation>{item}: {text}</translation>
    </message>
    <message>
        <source>{limit}（{note}）</source>
        <translation>{limit} ({note})</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>已锁屏</source>
        <translation>Locked</translation>
    </message>
    <message>
        <source>{name}（{role}，账号 {username}）已离开。输入密码继续工作。</source>
        <translation>{name} ({role}, account {username}) is away. Enter the password to continue.</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>解锁</source>
        <translation>Unlock</translation>
    </message>
</context>
<context>
    <name>MaterialForms</name>
    <message>
        <source>纸质</source>
        <translation>Paper</translation>
    </message>
    <message>
        <source>电子化</source>
        <translation>Electronic</translation>
    </message>
    <message>
        <source>纸质/电子化</source>
        <translation>Paper or electronic</translation>
    </message>
</context>
<context>
    <name>MaterialOps</name>
    <message>
        <source>正在导入文件…</source>
        <translation>Importing files…</translation>
    </message>
    <message>
        <source>正在旋转…</source>
        <translation>Rotating…</translation>
    </message>
</context>
<context>
    <name>MaterialStatus</name>
    <message>
        <source>已收</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>未收</source>
        <translation>Missing</translation>
    </message>
    <message>
        <source>容缺后补</source>
        <translation>Deferred</translation>
    </message>
    <message>
        <source>复用</source>
        <translation>Reused</translation>
    </message>
</context>
<context>
    <name>MaterialsPanel</name>
    <message>
        <source>材料名称</source>
        <extracomment>Below this width the checklist hides 要求 (required rows are bold anyway), below the second also its last column (份数 or 页面检查); each row&apos;s tooltip still says everything.</extracomment>
        <translation>Material</translation>
    </message>
    <message>
        <source>要求</source>
        <translation>Requirement</translation>
    </message>
    <message>
        <source>份数</source>
        <translation>Copies</translation>
    </message>
    <message>
        <source>形式</source>
        <translation>Form</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>页面检查</source>
        <translation>Page check</translation>
    </message>
    <message>
        <source>请先在左侧选择事项</source>
        <translation>First choose a service item on the left</translation>
    </message>
    <message>
        <source>点“开始收件”或按 F7 建立办件后，即可拍摄、扫描或导入材料。</source>
        <translation>Click “Start receiving” or press F7 to open a case; then you can photograph, scan or import materials.</translation>
    </message>
    <message>
        <source>复用…</source>
        <translation>Reuse…</translation>
    </message>
    <message>
        <source>复用该申请人以前办件中的同名材料</source>
        <translation>Reuse this material from one of the applicant&apos;s earlier cases</translation>
    </message>
    <message>
        <source>容缺…</source>
        <translation>Defer…</translation>
    </message>
    <message>
        <source>容缺后补材料：登记申请人的承诺和补交日期</source>
        <translation>Material may follow later: record the applicant&apos;s commitment and due date</translation>
    </message>
    <message>
        <source> {n} 页</source>
        <translation>, {n} page(s)</translation>
    </message>
    <message>
        <source>，已核验原件</source>
        <translation>, original checked</translation>
    </message>
    <message>
        <source>（{date} 前补交）</source>
        <translation> (due {date})</translation>
    </message>
    <message>
        <source>{n} 页不合格</source>
        <translation>{n} page(s) fail</translation>
    </message>
    <message>
        <source>全部合格</source>
        <translation>All pass</translation>
    </message>
    <message>
        <source>材料</source>
        <translation>Materials</translation>
    </message>
    <message>
        <source>开始收件</source>
        <translation>Start receiving</translation>
    </message>
    <message>
        <source>为本次办事建立办件，之后即可拍摄、扫描材料</source>
        <translation>Open a case for this visit; then materials can be photographed and scanned</translation>
    </message>
    <message>
        <source>原件已核验</source>
        <translation>Original checked</translation>
    </message>
    <message>
        <source>正在读取材料清单…</source>
        <translation>Loading the checklist…</translation>
    </message>
    <message>
        <source>{title}（一件事，{n} 个事项）
材料已合并去重</source>
        <translation>{title} (bundle of {n} service items)
Materials merged, duplicates removed</translation>
    </message>
    <message>
        <source>该事项未登记申请材料</source>
        <translation>No materials are registered for this service item</translation>
    </message>
    <message>
        <source>{number}&#x3000;{title}
状态：{state}</source>
        <translation>{number}  {title}
State: {state}</translation>
    </message>
    <message>
        <source>没有当前办事，无法建立办件。</source>
        <translation>There is no current visit to open a case for.</translation>
    </message>
    <message>
        <source>正在建立办件…</source>
        <translation>Opening the case…</translation>
    </message>
    <message>
        <source>办件{state}，材料不能再修改。</source>
        <translation>The case is {state}; its materials can no longer change.</translation>
    </message>
    <message>
        <source>该申请人以前的办件中没有可复用的“{name}”，请拍摄或扫描。</source>
        <translation>None of the applicant&apos;s earlier cases has a “{name}” to reuse; photograph or scan it.</translation>
    </message>
    <message>
        <source>没有登录的工作人员，请重新登录。</source>
        <translation>Nobody is signed in; please sign in again.</translation>
    </message>
</context>
<context>
    <name>Necessity</name>
    <message>
        <source>必要</source>
        <extracomment>材料要求 (app.model.NECESSITY_LABELS), 材料形式 (FORM_LABELS) and 收取状态 (materials.STATUS_LABELS).</extracomment>
        <translation>Required</translation>
    </message>
    <message>
        <source>非必要</source>
        <translation>Optional</translation>
    </message>
    <message>
        <source>容缺后补</source>
        <translation>May follow later</translation>
    </message>
</context>
<context>
    <name>NoticePreviewDialog</name>
    <message>
        <source>通知书预览 · {name}</source>
        <translation>Notice preview · {name}</translation>
    </message>
    <message>
        <source>已保存：{path}</source>
        <translation>Saved: {path}</translation>
    </message>
    <message>
        <source>用 PDF 阅读器打开（可打印）</source>
        <translation>Open in the PDF viewer (to print)</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>已送往打印机：{pages} 页。</source>
        <translation>Sent to the printer: {pages} page(s).</translation>
    </message>
    <message>
        <source>无法打开 PDF 阅读器。文件已保存在：{path}</source>
        <translation>The PDF viewer could not be opened. The file is saved at: {path}</translation>
    </message>
</context>
<context>
    <name>OpRunner</name>
    <message>
        <source>一窗</source>
        <extracomment>Title of the warning box (the program&apos;s name), a source string of the &quot;OpRunner&quot; context.</extracomment>
        <translation>YiChuang</translation>
    </message>
    <message>
        <source>详细信息已记录在日志文件：
{path}</source>
        <translation>The details are in the log file:
{path}</translation>
    </message>
    <message>
        <source>详细信息已记录在程序日志中。</source>
        <translation>The details are in the program log.</translation>
    </message>
    <message>
        <source>抱歉，程序出现意外错误，刚才的操作没有完成。
{where}
请重试；如果反复出现，请把日志文件交给运维人员。</source>
        <translation>Sorry, an unexpected error stopped what you just did.
{where}
Please try again; if it keeps happening, give the log file to IT support.</translation>
    </message>
</context>
<context>
    <name>PageCapture</name>
    <message>
        <source>本机没有配置高拍仪或扫描仪，请使用“导入文件”。</source>
        <extracomment>Asks the clerk for the page corners on ``frame`` (starting at ``corners``; ``unsure`` says why) and calls ``done`` with the chosen corners, or None when the clerk gave up.</extracomment>
        <translation>No document camera or scanner is configured on this PC; use “Import files”.</translation>
    </message>
    <message>
        <source>已拍摄 1 页。</source>
        <translation>1 page taken.</translation>
    </message>
    <message>
        <source>已重拍该页。</source>
        <translation>Page retaken.</translation>
    </message>
    <message>
        <source>扫描仪 {s} 秒没有送出页面：请检查是否卡纸、断开或休眠，处理后重新扫描。</source>
        <extracomment>A frame (or a question to the scanner) takes well under this; longer means the device hangs. One sheet: longer than the SANE driver&apos;s own page timeout (and its cancel grace), so a hung scanner is reported by the driver, which also cancels the scan, rather than given up on here. Starting a scan may try the feeder and then the glass: two sheets&apos; worth. Full-resolution frames kept so the clerk can re-adjust the corners of a page taken this visit.</extracomment>
        <translation>The scanner sent no page for {s} seconds: check for a paper jam, a loose cable or sleep mode, then scan again.</translation>
    </message>
    <message>
        <source>本机没有配置高拍仪，请使用扫描仪或“导入文件”。</source>
        <translation>No document camera is configured on this PC; use the scanner or “Import files”.</translation>
    </message>
    <message>
        <source>正在拍摄…</source>
        <translation>Taking the picture…</translation>
    </message>
    <message>
        <source>正在处理页面…</source>
        <translation>Processing the page…</translation>
    </message>
    <message>
        <source>“{name}”没有导入：{problem}</source>
        <translation>“{name}” was not imported: {problem}</translation>
    </message>
    <message>
        <source>正在导入文件…</source>
        <translation>Importing files…</translation>
    </message>
    <message>
        <source>该材料已不在办件中，请刷新材料清单。</source>
        <translation>This material is no longer part of the case; refresh the checklist.</translation>
    </message>
    <message>
        <source>正在处理上一页，请稍候…</source>
        <translation>Still processing the last page, please wait…</translation>
    </message>
    <message>
        <source>没能确定纸张边缘：请调整四个角点后按 Enter。</source>
        <translation>The paper edges could not be found for sure: adjust the four corners, then press Enter.</translation>
    </message>
    <message>
        <source>已取消，这一页没有保存。</source>
        <translation>Cancelled; this page was not saved.</translation>
    </message>
    <message>
        <source>已按新的四角重新裁切该页。</source>
        <translation>The page was cut again along the new corners.</translation>
    </message>
    <message>
        <source>这一页看起来是空白的，请确认是否需要。</source>
        <translation> This page looks blank: check whether it is needed.</translation>
    </message>
    <message>
        <source>已导入 {n} 页。</source>
        <translation>{n} page(s) imported.</translation>
    </message>
    <message>
        <source>其中 {n} 页看起来是空白的，请确认是否需要。</source>
        <translation> {n} of them look blank: check whether they are needed.</translation>
    </message>
    <message>
        <source>正在扫描…</source>
        <translation>Scanning…</translation>
    </message>
    <message>
        <source>正在停止扫描：当前这一页扫完后停止…</source>
        <translation>Stopping the scan after the current page…</translation>
    </message>
    <message>
        <source>正在扫描：已扫描 {n} 页…（点“取消”停止）</source>
        <translation>Scanning: {n} page(s) so far… (press “Cancel” to stop)</translation>
    </message>
    <message>
        <source>第 {n} 页看起来是空白的，请确认是否需要。</source>
        <translation> Page {n} looks blank: check whether it is needed.</translation>
    </message>
    <message>
        <source>已取消扫描，已保存 {n} 页。</source>
        <translation>Scan cancelled; {n} page(s) saved.</translation>
    </message>
    <message>
        <source>扫描完成，共 {n} 页。</source>
        <translation>Scan finished: {n} page(s).</translation>
    </message>
    <message>
        <source>扫描未完成，已扫描的页面已保存。</source>
        <translation>The scan did not finish; the pages scanned so far are saved.</translation>
    </message>
</context>
<context>
    <name>PageStrip</name>
    <message>
        <source>疑似空白页</source>
        <extracomment>Drag payload between thumbnails: the dragged page&apos;s id.</extracomment>
        <translation>Looks blank</translation>
    </message>
    <message>
        <source>拖动缩略图或按 Alt+←/→ 调整顺序；Ctrl+R 顺时针旋转，Ctrl+Shift+R 逆时针旋转；Delete 删除</source>
        <translation>Drag a thumbnail or press Alt+←/→ to change the order; Ctrl+R turns clockwise, Ctrl+Shift+R counter-clockwise; Delete removes</translation>
    </message>
    <message>
        <source>第 {n} 页</source>
        <translation>Page {n}</translation>
    </message>
    <message>
        <source>这一页看起来是空白的：请确认是否需要，不需要时按 Delete 删除。</source>
        <translation>This page looks blank: check whether it is needed, and press Delete if not.</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>实施人员退出</source>
        <extracomment>The exit code of the daily restart; the kiosk&apos;s service restarts the program on it. Events that would open something of the desktop&apos;s own on the kiosk screen.</extracomment>
        <translation>Installer exit</translation>
    </message>
    <message>
        <source>清除</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Exit</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>请输入实施人员口令后退出取号机。</source>
        <translation>Enter the installer PIN to leave the kiosk.</translation>
    </message>
    <message>
        <source>本机未设置实施人员口令（请运行 yichuang setup 设置）。确定要退出取号机吗？</source>
        <translation>No installer PIN is set on this machine (set one with yichuang setup). Leave the kiosk anyway?</translation>
    </message>
    <message>
        <source>口令不对，还可以再试 {count} 次。</source>
        <translation>Wrong PIN. {count} attempts left.</translation>
    </message>
</context>
<context>
    <name>PlatformPage</name>
    <message>
        <source>平台连接</source>
        <translation>Platform connection</translation>
    </message>
    <message>
        <source>省级平台的地址和 CA 证书，测试连接，再用平台发放的一次性登记码为本站登记。不同步可留空。</source>
        <translation>The provincial platform&apos;s address and CA certificate; test the connection, then enroll this station with the one-time code from the platform. Leave empty if this station does not sync.</translation>
    </message>
    <message>
        <source>留空 = 使用系统自带的根证书</source>
        <translation>Empty = the system&apos;s root certificates</translation>
    </message>
    <message>
        <source>选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>测试连接</source>
        <translation>Test connection</translation>
    </message>
    <message>
        <source>平台管理员提供的一次性登记码</source>
        <translation>One-time enrollment code from the platform administrator</translation>
    </message>
    <message>
        <source>登记</source>
        <translation>Enroll</translation>
    </message>
    <message>
        <source>平台地址</source>
        <translation>Platform address</translation>
    </message>
    <message>
        <source>CA 证书文件</source>
        <translation>CA certificate file</translation>
    </message>
    <message>
        <source>登记码</source>
        <translation>Enrollment code</translation>
    </message>
    <message>
        <source>平台地址应以 https:// 开头，如 https://platform.example.gov.cn。</source>
        <translation>The platform address starts with https://, e.g. https://platform.example.gov.cn.</translation>
    </message>
    <message>
        <source>选择平台的 CA 证书</source>
        <translation>Choose the platform&apos;s CA certificate</translation>
    </message>
    <message>
        <source>证书 (*.pem *.crt *.cer);;所有文件 (*)</source>
        <translation>Certificates (*.pem *.crt *.cer);;All files (*)</translation>
    </message>
    <message>
        <source>正在连接省级平台…</source>
        <translation>Connecting to the provincial platform…</translation>
    </message>
    <message>
        <source>请先填写平台地址。</source>
        <translation>Please enter the platform address first.</translation>
    </message>
    <message>
        <source>登记前请在“站点信息”页填写站点编码。</source>
        <translation>Enter the station code on the “Station” page before enrolling.</translation>
    </message>
    <message>
        <source>请输入平台管理员提供的登记码。</source>
        <translation>Please enter the enrollment code from the platform administrator.</translation>
    </message>
    <message>
        <source>正在登记…</source>
        <translation>Enrolling…</translation>
    </message>
    <message>
        <source>登记成功：平台站点号 {station}。凭证已加密保存在本机，登记码已用掉。</source>
        <translation>Enrolled: platform station ID {station}. The credential is stored encrypted on this machine; the code is now used up.</translation>
    </message>
    <message>
        <source>请等连接测试或登记完成。</source>
        <translation>Please wait until the connection test or the enrollment has finished.</translation>
    </message>
</context>
<context>
    <name>PreviewFeed</name>
    <message>
        <source>高拍仪画面出现故障，正在重试；如果一直这样，请重新插拔高拍仪。</source>
        <extracomment>A preview job hands the camera back after this long (and is started again at once). After a camera error the preview tries again this often. The page outline is looked for on every n-th frame (about 5 times a second at 15+ fps). Frames are scaled to the widget&apos;s size, but never below this (a tiny widget still detects).</extracomment>
        <translation>The document camera&apos;s picture failed; trying again. If this goes on, unplug the camera and plug it back in.</translation>
    </message>
</context>
<context>
    <name>PrintJobsDialog</name>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>文书</source>
        <translation>Document</translation>
    </message>
    <message>
        <source>办件编号</source>
        <translation>Case number</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>次数</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>等待打印</source>
        <extracomment>The core&apos;s state labels (print_queue.STATE_LABELS), marked for translation in this context.</extracomment>
        <translation>Waiting</translation>
    </message>
    <message>
        <source>正在打印</source>
        <translation>Printing</translation>
    </message>
    <message>
        <source>已打印</source>
        <translation>Printed</translation>
    </message>
    <message>
        <source>打印失败</source>
        <translation>Failed</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>排队号票</source>
        <extracomment>Documents that are not templates (print_queue.DOCUMENT_LABELS).</extracomment>
        <translation>Queue ticket</translation>
    </message>
    <message>
        <source>打印测试页</source>
        <translation>Test page</translation>
    </message>
    <message>
        <source>（补打）</source>
        <translation> (reprint)</translation>
    </message>
    <message>
        <source>正在补打…</source>
        <translation>Reprinting…</translation>
    </message>
    <message>
        <source>正在重新打印…</source>
        <translation>Printing again…</translation>
    </message>
    <message>
        <source>打印任务</source>
        <translation>Print jobs</translation>
    </message>
    <message>
        <source>补打 ({key})</source>
        <translation>Reprint ({key})</translation>
    </message>
    <message>
        <source>重新打印 ({key})</source>
        <translation>Print again ({key})</translation>
    </message>
    <message>
        <source>取消任务 ({key})</source>
        <translation>Cancel job ({key})</translation>
    </message>
    <message>
        <source>刷新 ({key})</source>
        <translation>Refresh ({key})</translation>
    </message>
    <message>
        <source>再打一张，纸上印“补打”字样</source>
        <translation>Print another copy, marked as a reprint on the paper</translation>
    </message>
    <message>
        <source>立即发送等待中的任务；打印失败的任务请先核对纸张，确认没有打出完整回执</source>
        <translation>Send a waiting job now; for a failed job, first check the paper and make sure no complete receipt came out</translation>
    </message>
    <message>
        <source>不再打印所选任务</source>
        <translation>Do not print the selected job</translation>
    </message>
    <message>
        <source>今天还没有打印任务。</source>
        <translation>No print jobs today yet.</translation>
    </message>
    <message>
        <source>正在取消…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>打印任务 {job} 已打印。</source>
        <translation>Print job {job} printed.</translation>
    </message>
    <message>
        <source>打印任务 {job}：{state}。{error}</source>
        <translation>Print job {job}: {state}. {error}</translation>
    </message>
    <message>
        <source>打印任务 {job} 已取消。</source>
        <translation>Print job {job} cancelled.</translation>
    </message>
</context>
<context>
    <name>PrintPreview</name>
    <message>
        <source>缺纸，请装纸后点&quot;重新打印&quot;</source>
        <extracomment>How long a print op waits for the printer thread (a receipt over 9600-baud serial takes ~20 s).</extracomment>
        <translation>Out of paper: load paper, then press “Print again”</translation>
    </message>
    <message>
        <source>处理后点&quot;重新打印&quot;。</source>
        <translation>Then press “Print again”.</translation>
    </message>
    <message>
        <source>已打印，请撕下交给申请人。</source>
        <translation>Printed: tear it off and give it to the applicant.</translation>
    </message>
    <message>
        <source>回执已在打印队列中，打印机恢复后会自动打印。</source>
        <translation>The receipt is in the print queue and prints by itself once the printer is back.</translation>
    </message>
    <message>
        <source>正在打印…</source>
        <extracomment>A4 preview width on screen, in pixels: readable without scrolling sideways.</extracomment>
        <translation>Printing…</translation>
    </message>
    <message>
        <source>请在“打印任务”（Ctrl+Shift+P）中选择补打或重新打印。</source>
        <translation>Choose reprint or print again in Print jobs (Ctrl+Shift+P).</translation>
    </message>
    <message>
        <source>该打印任务已取消。</source>
        <translation>This print job was cancelled.</translation>
    </message>
    <message>
        <source>正在重新打印…</source>
        <translation>Printing again…</translation>
    </message>
    <message>
        <source>正在生成通知书…</source>
        <translation>Making the notice…</translation>
    </message>
    <message>
        <source>无法打开通知书文件 {name}，请重新生成后再试。</source>
        <translation>The notice file {name} cannot be opened; make it again and retry.</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
</context>
<context>
    <name>PrintPreviewDialog</name>
    <message>
        <source>打印预览 · {kind}</source>
        <translation>Print preview · {kind}</translation>
    </message>
    <message>
        <source>重新打印</source>
        <translation>Print again</translation>
    </message>
    <message>
        <source>立即再试一次打印这张回执；补打和取消请在“打印任务”（Ctrl+Shift+P）中操作</source>
        <translation>Try printing this receipt again now; reprint and cancel are in Print jobs (Ctrl+Shift+P)</translation>
    </message>
    <message>
        <source>正在重新打印…</source>
        <translation>Printing again…</translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <source>叫号</source>
        <translation>Call next</translation>
    </message>
    <message>
        <source>重呼</source>
        <translation>Recall</translation>
    </message>
    <message>
        <source>过号</source>
        <translation>No-show</translation>
    </message>
    <message>
        <source>转移</source>
        <translation>Transfer</translation>
    </message>
    <message>
        <source>暂停</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>指定叫号</source>
        <translation>Call number</translation>
    </message>
    <message>
        <source>挂起</source>
        <translation>Park</translation>
    </message>
    <message>
        <source>取消号</source>
        <translation>Cancel number</translation>
    </message>
    <message>
        <source>恢复</source>
        <translation>Resume</translation>
    </message>
    <message>
        <source>叫号</source>
        <comment>panel title</comment>
        <translation>Queue</translation>
    </message>
    <message>
        <source>当前号码</source>
        <translation>Current number</translation>
    </message>
    <message>
        <source>本窗口已暂停服务</source>
        <translation>This window is paused</translation>
    </message>
    <message>
        <source>排队叫号不可用：{reason}</source>
        <translation>Queue not available: {reason}</translation>
    </message>
    <message>
        <source>按 F1 叫下一位</source>
        <translation>Press F1 to call the next person</translation>
    </message>
    <message>
        <source>已重呼 {n} 次</source>
        <translation>recalled {n}×</translation>
    </message>
    <message>
        <source>{code} {name}：{n} 人</source>
        <translation>{code} {name}: {n} waiting</translation>
    </message>
    <message>
        <source>等候人数（粗体为本窗口类别）</source>
        <translation>Waiting (bold: this window&apos;s categories)</translation>
    </message>
    <message>
        <source>办结当前号（如在办理中）并叫下一位</source>
        <translation>Finish the current number (if being served) and call the next</translation>
    </message>
    <message>
        <source>本窗口已暂停服务，先按 F6 恢复</source>
        <translation>This window is paused; press F6 to resume first</translation>
    </message>
    <message>
        <source>再呼叫一次当前号</source>
        <translation>Call the current number again</translation>
    </message>
    <message>
        <source>当前号未到窗口，标记过号</source>
        <translation>The current number did not come: mark as no-show</translation>
    </message>
    <message>
        <source>把当前号转到其他类别或窗口</source>
        <translation>Send the current number to another category or window</translation>
    </message>
    <message>
        <source>暂停或恢复本窗口的叫号</source>
        <translation>Pause or resume calling at this window</translation>
    </message>
    <message>
        <source>输入号码，叫指定的号（含过号、挂起的号）</source>
        <translation>Type a number to call it (including no-shows and parked numbers)</translation>
    </message>
    <message>
        <source>当前号暂时挂起，稍后可指定叫回</source>
        <translation>Park the current number; call it back later by number</translation>
    </message>
    <message>
        <source>取消当前号（申请人放弃办理）</source>
        <translation>Cancel the current number (the applicant gave up)</translation>
    </message>
    <message>
        <source>目前没有人等候</source>
        <translation>Nobody is waiting</translation>
    </message>
    <message>
        <source>号码（如 A005）：</source>
        <translation>Number (e.g. A005):</translation>
    </message>
</context>
<context>
    <name>QueueStates</name>
    <message>
        <source>等候中</source>
        <translation>waiting</translation>
    </message>
    <message>
        <source>已叫号</source>
        <translation>called</translation>
    </message>
    <message>
        <source>办理中</source>
        <translation>being served</translation>
    </message>
    <message>
        <source>已办结</source>
        <translation>done</translation>
    </message>
    <message>
        <source>过号</source>
        <translation>no-show</translation>
    </message>
    <message>
        <source>挂起</source>
        <translation>parked</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>cancelled</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>请填写理由（必填）。</source>
        <translation>Please give the reason (required).</translation>
    </message>
</context>
<context>
    <name>RejectDialog</name>
    <message>
        <source>请填写不予受理的理由（必填），再确认。</source>
        <extracomment>Which A4 notice (a template key, so Chinese) records the decision a case is in.</extracomment>
        <translation>Give the reason for rejecting (required), then confirm.</translation>
    </message>
    <message>
        <source>不予受理 · {number}</source>
        <translation>Reject · {number}</translation>
    </message>
    <message>
        <source>对“{title}”作出不予受理决定。确认后生成不予受理通知书，告知申请人理由，以及申请行政复议（60 日内）或提起行政诉讼（6 个月内）的权利。</source>
        <translation>Reject “{title}”. After confirming, a rejection notice is made that tells the applicant the reason and their right to apply for administrative reconsideration (within 60 days) or to bring an administrative lawsuit (within 6 months).</translation>
    </message>
    <message>
        <source>必填：不予受理的具体理由及依据</source>
        <translation>Required: the specific reason and its legal basis</translation>
    </message>
    <message>
        <source>不属于本机关职权范围的，填写应向哪个机关申请</source>
        <translation>If the matter is not ours, the authority to apply to instead</translation>
    </message>
    <message>
        <source>理由（必填）：</source>
        <translation>Reason (required):</translation>
    </message>
    <message>
        <source>有权机关：</source>
        <translation>Competent authority:</translation>
    </message>
    <message>
        <source>确认不予受理</source>
        <translation>Confirm rejection</translation>
    </message>
</context>
<context>
    <name>ReuseDialog</name>
    <message>
        <source>复用材料 · {name}</source>
        <translation>Reuse material · {name}</translation>
    </message>
    <message>
        <source>日期不详</source>
        <translation>date unknown</translation>
    </message>
    <message>
        <source>办件 {number} · {when} 收取 · {n} 页</source>
        <translation>Case {number} · received {when} · {n} page(s)</translation>
    </message>
    <message>
        <source>该申请人以前办件中的“{name}”（最新的在前）：</source>
        <translation>“{name}” in the applicant&apos;s earlier cases (newest first):</translation>
    </message>
    <message>
        <source>复用</source>
        <translation>Reuse</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>窗口人员</source>
        <translation>Window clerk</translation>
    </message>
    <message>
        <source>代办员</source>
        <translation>Station agent</translation>
    </message>
    <message>
        <source>值班长</source>
        <translation>Supervisor</translation>
    </message>
    <message>
        <source>实施人员</source>
        <translation>Installer</translation>
    </message>
    <message>
        <source>、</source>
        <translation>, </translation>
    </message>
    <message>
        <source>或</source>
        <translation> or </translation>
    </message>
</context>
<context>
    <name>ScreenBadge</name>
    <message>
        <source>评价器屏幕
请在评价器上按任意评价键</source>
        <translation>Evaluator screen
Press any rating key on the evaluator</translation>
    </message>
</context>
<context>
    <name>SetupLaunch</name>
    <message>
        <source>冒烟检查失败：{seconds} 秒内没有载入取号类别。</source>
        <translation>Smoke check failed: the queue categories did not load within {seconds} s.</translation>
    </message>
    <message>
        <source>设置向导已取消，配置未改动。</source>
        <translation>The setup wizard was cancelled; the configuration is unchanged.</translation>
    </message>
    <message>
        <source>设置已保存：{path}</source>
        <translation>Settings saved: {path}</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>一窗设置向导</source>
        <translation>YiChuang setup wizard</translation>
    </message>
    <message>
        <source>&lt; 上一步</source>
        <translation>&lt; Back</translation>
    </message>
    <message>
        <source>下一步 &gt;</source>
        <translation>Next &gt;</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>已导入站点配置包（来自 {origin}），请核对各页并测试设备。</source>
        <translation>Station profile imported (from {origin}). Check every page and test the devices.</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>一窗 · 登录</source>
        <translation>YiChuang · Sign in</translation>
    </message>
    <message>
        <source>综合窗口受理</source>
        <translation>One-window counter</translation>
    </message>
    <message>
        <source>{station} · {number} 号窗口</source>
        <translation>{station} · Window {number}</translation>
    </message>
    <message>
        <source>工作人员账号</source>
        <translation>Staff account</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>登录</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>账号</source>
        <translation>Account</translation>
    </message>
    <message>
        <source>演示账号（点击填入）</source>
        <translation>Demo accounts (click to fill in)</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>请输入账号。</source>
        <translation>Please enter the account.</translation>
    </message>
    <message>
        <source>请输入密码。</source>
        <translation>Please enter the password.</translation>
    </message>
    <message>
        <source>正在登录…</source>
        <translation>Signing in…</translation>
    </message>
    <message>
        <source>账号或密码不正确，请重新输入。</source>
        <translation>Wrong account or password, please try again.</translation>
    </message>
</context>
<context>
    <name>StationPage</name>
    <message>
        <source>站点信息</source>
        <translation>Station</translation>
    </message>
    <message>
        <source>本机所属的服务站点、行政区划和窗口号。同一大厅的各台机器填写相同的站点编码。</source>
        <translation>The service station this machine belongs to, its region and window number. All machines of one hall use the same station code.</translation>
    </message>
    <message>
        <source>由省级平台分配，如 ST001；尚未分配可留空</source>
        <translation>Assigned by the provincial platform, e.g. ST001; may stay empty until then</translation>
    </message>
    <message>
        <source>6 位数字，如 420582</source>
        <translation>6 digits, e.g. 420582</translation>
    </message>
    <message>
        <source>便民服务站（单机）</source>
        <translation>Village service station (one PC)</translation>
    </message>
    <message>
        <source>政务服务大厅（多台机器共用数据库）</source>
        <translation>Government service hall (machines share one database)</translation>
    </message>
    <message>
        <source>演示模式（演示账号和演示事项；正式使用时必须关闭）</source>
        <translation>Demo mode (demo accounts and catalog; must be off in real use)</translation>
    </message>
    <message>
        <source>导入站点配置包…</source>
        <translation>Import station profile…</translation>
    </message>
    <message>
        <source>站点名称</source>
        <translation>Station name</translation>
    </message>
    <message>
        <source>站点编码</source>
        <translation>Station code</translation>
    </message>
    <message>
        <source>行政区划代码</source>
        <translation>Region code</translation>
    </message>
    <message>
        <source>运行方式</source>
        <translation>Deployment</translation>
    </message>
    <message>
        <source>本机窗口号</source>
        <translation>Window number</translation>
    </message>
    <message>
        <source>数据库</source>
        <translation>Database</translation>
    </message>
    <message>
        <source>（大厅多台机器共用数据库时，请用 yichuang --set database.url=… setup 指定）</source>
        <translation>(for a hall sharing one database, give it with yichuang --set database.url=… setup)</translation>
    </message>
    <message>
        <source>选择站点配置包</source>
        <translation>Choose a station profile</translation>
    </message>
    <message>
        <source>站点配置包 (*.toml)</source>
        <translation>Station profiles (*.toml)</translation>
    </message>
    <message>
        <source>请填写站点名称，它会印在回执和号票上。</source>
        <translation>Please enter the station name; it is printed on receipts and tickets.</translation>
    </message>
    <message>
        <source>行政区划代码应为 6 位数字，不知道可以先留空。</source>
        <translation>The region code has 6 digits; leave it empty if you do not know it yet.</translation>
    </message>
    <message>
        <source>站点编码最多 32 个字符。</source>
        <translation>The station code has at most 32 characters.</translation>
    </message>
</context>
<context>
    <name>SummaryPage</name>
    <message>
        <source>总结</source>
        <translation>Summary</translation>
    </message>
    <message>
        <source>请核对以下设置。点“完成”写入配置文件和取号类别；写入前可以返回修改。</source>
        <translation>Check the settings below. “Finish” writes the configuration file and the queue categories; until then you can go back and change them.</translation>
    </message>
    <message>
        <source>设备测试：</source>
        <translation>Device tests:</translation>
    </message>
    <message>
        <source>! 未测试</source>
        <translation>! not tested</translation>
    </message>
    <message>
        <source>平台登记：已登记，平台站点号 {station}</source>
        <translation>Platform enrollment: enrolled, platform station ID {station}</translation>
    </message>
    <message>
        <source>平台登记：本次未登记（已登记过的机器无需重复登记）</source>
        <translation>Platform enrollment: not done in this run (a machine enrolled before need not enroll again)</translation>
    </message>
    <message>
        <source>注意：大厅模式下各台机器要共用一个 PostgreSQL 数据库，请用 yichuang --set database.url=postgresql+psycopg://… setup 重新运行向导。</source>
        <translation>Note: in hall mode all machines share one PostgreSQL database; run the wizard again with yichuang --set database.url=postgresql+psycopg://… setup.</translation>
    </message>
    <message>
        <source>配置文件：{path}</source>
        <translation>Configuration file: {path}</translation>
    </message>
    <message>
        <source>正在写入配置…</source>
        <translation>Writing the configuration…</translation>
    </message>
    <message>
        <source>已写入 {path}。</source>
        <translation>Written to {path}.</translation>
    </message>
</context>
<context>
    <name>SupervisorLaunch</name>
    <message>
        <source>冒烟检查失败：演示账号无法登录（{error}）</source>
        <translation>Smoke check failed: the demo account could not sign in ({error})</translation>
    </message>
    <message>
        <source>冒烟检查失败：{s} 秒内没有载入运行指标。</source>
        <translation>Smoke check failed: the KPIs did not load within {s} seconds.</translation>
    </message>
</context>
<context>
    <name>SyncIndicator</name>
    <message>
        <source>在线</source>
        <extracomment>The engine&apos;s states (sync.engine.SyncState) in words, a source string of the &quot;SyncIndicator&quot; context.</extracomment>
        <translation>online</translation>
    </message>
    <message>
        <source>离线</source>
        <translation>offline</translation>
    </message>
    <message>
        <source>同步中</source>
        <translation>syncing</translation>
    </message>
    <message>
        <source>未登记</source>
        <translation>not enrolled</translation>
    </message>
    <message>
        <source>已停用</source>
        <translation>stopped</translation>
    </message>
    <message>
        <source>同步出错</source>
        <translation>sync error</translation>
    </message>
    <message>
        <source>等待连接</source>
        <translation>waiting to connect</translation>
    </message>
    <message>
        <source>平台：连接中…</source>
        <extracomment>Dot colours; the words carry the meaning too, for clerks who do not tell colours apart. A backlog without a successful round for this long is shown in red.</extracomment>
        <translation>Platform: connecting…</translation>
    </message>
    <message>
        <source>待同步 — 件</source>
        <translation>— cases to sync</translation>
    </message>
    <message>
        <source>⚠ 本机时间不准</source>
        <translation>⚠ Clock is off</translation>
    </message>
    <message>
        <source>平台：{state}</source>
        <translation>Platform: {state}</translation>
    </message>
    <message>
        <source>待同步 {n} 件</source>
        <translation>{n} cases to sync</translation>
    </message>
    <message>
        <source>平台退回 {n} 条</source>
        <translation>{n} refused</translation>
    </message>
    <message>
        <source>尚未同步成功</source>
        <translation>Not synced yet</translation>
    </message>
    <message>
        <source>上次同步 {time}</source>
        <translation>Last sync {time}</translation>
    </message>
    <message>
        <source>省级平台：{url}</source>
        <translation>Provincial platform: {url}</translation>
    </message>
    <message>
        <source>待同步 {cases} 件办件，共 {events} 条记录</source>
        <translation>{cases} cases to sync, {events} records in all</translation>
    </message>
    <message>
        <source>已超过 24 小时没有同步成功。数据都保存在本机，请检查网络或联系运维人员。</source>
        <translation>No successful sync for more than 24 hours. All data is kept on this PC; please check the network or call IT support.</translation>
    </message>
    <message>
        <source>有 {n} 条记录被平台退回，请在同步记录中处理。</source>
        <translation>The platform refused {n} records; please handle them in the sync log.</translation>
    </message>
    <message>
        <source>由本机的同步进程负责发送。</source>
        <translation>Sent by this PC&apos;s sync process.</translation>
    </message>
    <message>
        <source>点击查看同步记录</source>
        <translation>Click to open the sync log</translation>
    </message>
</context>
<context>
    <name>SyncLogDialog</name>
    <message>
        <source>办件编号</source>
        <extracomment>Who may resend or close what the platform refused (those who may decide cases).</extracomment>
        <translation>Case number</translation>
    </message>
    <message>
        <source>事项</source>
        <translation>Service item</translation>
    </message>
    <message>
        <source>同步状态</source>
        <translation>Sync state</translation>
    </message>
    <message>
        <source>已送达</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <source>平台办件编号</source>
        <translation>Platform case number</translation>
    </message>
    <message>
        <source>尝试次数</source>
        <translation>Attempts</translation>
    </message>
    <message>
        <source>下次重试</source>
        <translation>Next try</translation>
    </message>
    <message>
        <source>最后错误</source>
        <translation>Last error</translation>
    </message>
    <message>
        <source>退回的记录</source>
        <translation>Refused change</translation>
    </message>
    <message>
        <source>退回时间</source>
        <translation>Refused at</translation>
    </message>
    <message>
        <source>平台说明</source>
        <translation>Platform&apos;s reason</translation>
    </message>
    <message>
        <source>平台退回</source>
        <extracomment>The core&apos;s sync states (app.services.sync_status.STATE_LABELS), marked for translation here.</extracomment>
        <translation>Refused by the platform</translation>
    </message>
    <message>
        <source>等待重试</source>
        <translation>Waiting to retry</translation>
    </message>
    <message>
        <source>正在发送</source>
        <translation>Sending</translation>
    </message>
    <message>
        <source>等待发送</source>
        <translation>Waiting to send</translation>
    </message>
    <message>
        <source>已同步</source>
        <translation>Synced</translation>
    </message>
    <message>
        <source>退回已处理</source>
        <translation>Refusal handled</translation>
    </message>
    <message>
        <source>满意度评价</source>
        <translation>Satisfaction rating</translation>
    </message>
    <message>
        <source>审计记录</source>
        <translation>Audit record</translation>
    </message>
    <message>
        <source>立即</source>
        <extracomment>&quot;下次重试&quot; of a retry that is due now.</extracomment>
        <translation>now</translation>
    </message>
    <message>
        <source>同步记录</source>
        <translation>Sync log</translation>
    </message>
    <message>
        <source>选中一条退回记录，这里显示平台的完整说明</source>
        <translation>Select a refused record to see the platform&apos;s full reason here</translation>
    </message>
    <message>
        <source>修正后重新发送 ({key})</source>
        <translation>Fix and send again ({key})</translation>
    </message>
    <message>
        <source>标记已处理（填写说明）… ({key})</source>
        <translation>Mark as handled (with a note)… ({key})</translation>
    </message>
    <message>
        <source>已按平台说明改正（如重新扫描材料）后，按办件现在的内容重新发送</source>
        <translation>After fixing what the platform asked for (e.g. rescanning a page), send the case again as it is now</translation>
    </message>
    <message>
        <source>已通过其他方式解决（如电话联系平台），写明处理经过后不再发送</source>
        <translation>Settled another way (e.g. by phone with the platform): write down how, and it is not sent again</translation>
    </message>
    <message>
        <source>立即同步 ({key})</source>
        <translation>Sync now ({key})</translation>
    </message>
    <message>
        <source>尚未设置省级平台地址（配置项 sync.platform_url），本机不向平台同步。</source>
        <translation>No provincial platform address is set (setting sync.platform_url); this PC does not sync with the platform.</translation>
    </message>
    <message>
        <source>让等待重试的记录立即发送，并马上检查平台的新变更</source>
        <translation>Send waiting retries now and check the platform for changes at once</translation>
    </message>
    <message>
        <source>刷新 ({key})</source>
        <translation>Refresh ({key})</translation>
    </message>
    <message>
        <source>平台退回 ({n})</source>
        <translation>Refused by the platform ({n})</translation>
    </message>
    <message>
        <source>平台：未配置（本机不向平台同步）</source>
        <translation>Platform: not configured (this PC does not sync)</translation>
    </message>
    <message>
        <source>平台：{state}</source>
        <translation>Platform: {state}</translation>
    </message>
    <message>
        <source>待同步 {cases} 件（{events} 条记录）</source>
        <translation>{cases} cases to sync ({events} records)</translation>
    </message>
    <message>
        <source>上次同步成功：{time}</source>
        <translation>Last successful sync: {time}</translation>
    </message>
    <message>
        <source>尚未同步成功</source>
        <translation>Not synced yet</translation>
    </message>
    <message>
        <source>已开始同步：等待重试的记录会立即发送。</source>
        <translation>Sync started: waiting retries are sent now.</translation>
    </message>
    <message>
        <source>办件 {number} 已重新排队，将在下一轮同步时发送。</source>
        <translation>Case {number} is queued again and goes out in the next sync round.</translation>
    </message>
    <message>
        <source>办件 {number} 的退回记录已标记为已处理。</source>
        <translation>The refusal of case {number} is marked as handled.</translation>
    </message>
</context>
<context>
    <name>SyncService</name>
    <message>
        <source>正在唤醒同步…</source>
        <extracomment>The configuration key whose value turns sync on (empty: this station works alone). How often the status bar re-reads the sync status (milliseconds). How long closing the window waits for a round in progress (seconds); a longer upload is left to end on its own (its row&apos;s lease lets the next start take it back). Who sends: this window&apos;s thread, another process of this machine, nobody (could not start).</extracomment>
        <translation>Waking the sync…</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <source>转移号码</source>
        <translation>Transfer the number</translation>
    </message>
    <message>
        <source>转到类别</source>
        <translation>To category</translation>
    </message>
    <message>
        <source>转到窗口</source>
        <translation>To window</translation>
    </message>
    <message>
        <source> 号窗口</source>
        <translation> (window)</translation>
    </message>
</context>
<context>
    <name>Visit</name>
    <message>
        <source>需要{roles}账号（当前：{role}）</source>
        <translation>Needs a {roles} account (current: {role})</translation>
    </message>
</context>
<context>
    <name>WindowCard</name>
    <message>
        <source>%1号窗口</source>
        <translation>Window %1</translation>
    </message>
</context>
</TS>
