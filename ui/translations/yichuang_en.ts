<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
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
        <translation>Agent's name</translation>
    </message>
    <message>
        <source>代办人证件号码</source>
        <translation>Agent's ID number</translation>
    </message>
    <message>
        <source>代办人手机号</source>
        <translation>Agent's mobile</translation>
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
        <translation>Read agent's ID card</translation>
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
        <translation>Reading the agent's ID card…</translation>
    </message>
    <message>
        <source>请核对手机号。</source>
        <translation>Please check the mobile number.</translation>
    </message>
    <message>
        <source>请输入单位名称。</source>
        <translation>Please enter the organisation's name.</translation>
    </message>
    <message>
        <source>请输入统一社会信用代码。</source>
        <translation>Please enter the unified social credit code.</translation>
    </message>
    <message>
        <source>请输入法定代表人姓名。</source>
        <translation>Please enter the legal representative's name.</translation>
    </message>
    <message>
        <source>请输入申请人姓名。</source>
        <translation>Please enter the applicant's name.</translation>
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
        <translation>Please enter the agent's name.</translation>
    </message>
    <message>
        <source>请输入代办人身份证号码。</source>
        <translation>Please enter the agent's ID number.</translation>
    </message>
    <message>
        <source>请输入代办人手机号。</source>
        <translation>Please enter the agent's mobile number.</translation>
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
        <translation>Waiting (bold: this window's categories)</translation>
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
        <source>目前没有人等候</source>
        <translation>Nobody is waiting</translation>
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
</TS>
