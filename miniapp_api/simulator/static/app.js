// The phone simulator: each screen is what a mini-program page would show, built on the public API
// through the mini-program's own request layer (/simulator/lib/request.js). Errors from the API are
// shown next to the field they name, in the API's own Chinese words.
(function () {
  "use strict";

  var F = window.BanshiFormat;
  var G = window.BanshiGlossary;   // the plain words for administrative terms (miniprogram/utils/glossary.js)
  var USERS_KEY = "banshi.sim.users";
  var OPENID_KEY = "banshi.sim.openid";
  var HOME_LOCATION = { lat: 36.4565, lng: 115.9855 };  // 聊城市东昌府区: "nearest centre" is measured from here
  var messagesTimer = null;  // the message page's refresh; stopped on every navigation
  var ELDER_KEY = "banshi.sim.elder";      // 长辈模式 switched on by the citizen
  var FONT_KEY = "banshi.sim.fontsize";    // the phone's WeChat font size (wx.getSystemInfo's fontSizeSetting), simulated

  var storage = {
    get: function (key) { return window.localStorage.getItem(key); },
    set: function (key, value) { window.localStorage.setItem(key, value); },
    remove: function (key) { window.localStorage.removeItem(key); }
  };

  function fetchTransport(request) {
    return window.fetch(request.url, {
      method: request.method, headers: request.headers,
      body: request.body === null ? undefined : JSON.stringify(request.body)
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: response.status, data: data };
      });
    });
  }

  var api = window.BanshiRequest.createClient({
    transport: fetchTransport, storage: storage, baseUrl: "",
    onLoggedOut: function () { go("#/login"); }
  });

  function wechat(method, path, body) {  // the WeChat client's side, played by the emulator
    return fetchTransport({ method: method, url: "/simulator/wechat/" + path,
                            headers: { "Content-Type": "application/json" }, body: body || null })
      .then(function (response) {
        if (response.status >= 400) {
          throw new window.BanshiRequest.BanshiError(response.status, "emulator",
            (response.data && response.data.error && response.data.error.message) || "微信模拟器出错", {});
        }
        return response.data;
      });
  }

  // --- rendering helpers ------------------------------------------------------------------------

  function esc(value) {
    return String(value === undefined || value === null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /** 长辈模式: switched on here, or WeChat's font size set larger than standard. */
  function elderOn() {
    // "1": turned on; "0": turned off, even with a large font; unset: follows WeChat's font size.
    var switched = storage.get(ELDER_KEY);
    if (switched === "0") return false;
    return switched === "1" || F.elderFromFontSize(storage.get(FONT_KEY));
  }

  function go(hash) {
    if (window.location.hash === hash) route(); else window.location.hash = hash;
  }

  function show(title, html) {
    document.getElementById("title").textContent = title;
    document.title = title + " · 办事通模拟器";
    var screen = document.getElementById("screen");
    screen.innerHTML = html;
    screen.focus();
  }

  function field(name, label, attrs) {
    attrs = attrs || {};
    var type = attrs.type || "text";
    var value = attrs.value === undefined ? "" : attrs.value;
    var extra = (attrs.required ? " required" : "") + (attrs.inputmode ? ' inputmode="' + attrs.inputmode + '"' : "") +
      (attrs.autocomplete ? ' autocomplete="' + attrs.autocomplete + '"' : "");
    var id = "f-" + name.replace(/\./g, "-");
    var input = type === "textarea"
      ? '<textarea id="' + id + '" name="' + name + '" rows="4"' + extra + ">" + esc(value) + "</textarea>"
      : '<input id="' + id + '" name="' + name + '" type="' + type + '" value="' + esc(value) + '"' + extra + ">";
    return '<div class="field" data-field="' + name + '"><label for="' + id + '">' + esc(label) + "</label>" + input +
      (attrs.hint ? '<p class="muted">' + esc(attrs.hint) + "</p>" : "") + "</div>";
  }

  function select(name, label, options, selected) {
    var id = "f-" + name.replace(/\./g, "-");
    return '<div class="field" data-field="' + name + '"><label for="' + id + '">' + esc(label) + '</label><select id="' +
      id + '" name="' + name + '">' + options.map(function (o) {
        return '<option value="' + esc(o[0]) + '"' + (o[0] === selected ? " selected" : "") + ">" + esc(o[1]) + "</option>";
      }).join("") + "</select></div>";
  }

  function radios(name, legend, options, checked) {
    return '<fieldset class="field" data-field="' + name + '"><legend><strong>' + esc(legend) + "</strong></legend>" +
      options.map(function (o, i) {
        var id = "f-" + name.replace(/\./g, "-") + "-" + i;
        return '<label class="choice" for="' + id + '"><input type="radio" id="' + id + '" name="' + name + '" value="' +
          esc(o[0]) + '"' + (String(o[0]) === String(checked) ? " checked" : "") + "> " + esc(o[1]) + "</label>";
      }).join("") + "</fieldset>";
  }

  function form(id, inner, submitLabel) {
    return '<form id="' + id + '" novalidate><p class="form-error" role="alert" hidden></p>' + inner +
      '<button type="submit" class="primary">' + esc(submitLabel) + "</button></form>";
  }

  function clearErrors(formElement) {
    formElement.querySelectorAll(".field-error").forEach(function (node) { node.remove(); });
    formElement.querySelectorAll("[aria-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    });
    var general = formElement.querySelector(".form-error");
    general.hidden = true;
    general.textContent = "";
  }

  /** The API's message at the top of the form and each field's message right under that field. */
  function showErrors(formElement, error) {
    var general = formElement.querySelector(".form-error");
    general.textContent = error.message || "提交失败，请稍后再试";
    general.hidden = false;
    var fields = F.fieldMessages(error);
    Object.keys(fields).forEach(function (key) {
      var candidates = [key, key.replace(/^answers\./, "answer."), key.split(".").slice(-1)[0]];
      var box = null;
      for (var i = 0; i < candidates.length && !box; i++) {
        box = formElement.querySelector('[data-field="' + candidates[i] + '"]');
      }
      if (!box) {
        general.textContent += "（" + fields[key] + "）";
        return;
      }
      var id = "err-" + key.replace(/[^A-Za-z0-9_-]/g, "-");
      var message = document.createElement("p");
      message.className = "field-error";
      message.id = id;
      message.textContent = fields[key];
      box.appendChild(message);
      box.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", id);
      });
    });
    var first = formElement.querySelector("[aria-invalid=true]") || general;
    if (first.focus) first.focus();
  }

  function onSubmit(id, handler) {
    var formElement = document.getElementById(id);
    formElement.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(formElement);
      var values = {};
      new window.FormData(formElement).forEach(function (value, key) {
        if (values[key] === undefined) values[key] = value;
        else values[key] = [].concat(values[key], value);
      });
      var button = formElement.querySelector("button[type=submit]");
      button.disabled = true;
      Promise.resolve().then(function () { return handler(values, formElement); })
        .catch(function (error) { showErrors(formElement, error); })
        .then(function () { button.disabled = false; });
    });
  }

  function failed(error) {
    show("出错了", '<p class="form-error" role="alert">' + esc(error.message || "加载失败") + "</p>" +
      '<a class="button" href="#/home">回到首页</a>');
  }

  function compact(values) {
    var out = {};
    Object.keys(values).forEach(function (key) { if (values[key] !== "") out[key] = values[key]; });
    return out;
  }

  // --- pages --------------------------------------------------------------------------------------

  function users() {
    try { return JSON.parse(storage.get(USERS_KEY) || "[]"); } catch (e) { return []; }
  }

  function loginPage() {
    var known = users().map(function (u) {
      return '<li><button type="button" data-openid="' + esc(u.openid) + '">以“' + esc(u.label) + "”登录</button></li>";
    }).join("");
    show("微信登录", '<div class="card"><p>模拟 <code>wx.login()</code>：选择一位测试用户，或新建一位。</p></div>' +
      (known ? '<h2>已有的测试用户</h2><ul class="list">' + known + "</ul>" : "") +
      "<h2>新建测试用户</h2>" + form("new-user", field("label", "称呼（只在模拟器里显示）", { value: "张阿姨", required: true }),
        "新建并登录"));
    document.querySelectorAll("[data-openid]").forEach(function (button) {
      button.addEventListener("click", function () { logIn(button.getAttribute("data-openid")); });
    });
    onSubmit("new-user", function (values) {
      var label = (values.label || "").trim() || "测试用户";
      var openid = "o-sim-" + Math.random().toString(36).slice(2, 12);
      var list = users();
      list.push({ openid: openid, label: label });
      storage.set(USERS_KEY, JSON.stringify(list));
      return logIn(openid);
    });
  }

  function logIn(openid) {
    return wechat("POST", "login-codes", { openid: openid }).then(function (grant) {
      return api.login(grant.code);
    }).then(function () {
      storage.set(OPENID_KEY, openid);
      go("#/home");
    });
  }

  function homePage() {
    if (elderOn()) return elderHomePage();
    var tiles = [["#/elder", "长辈模式"], ["#/scenarios", "我要办事"], ["#/items", "办事指南"], ["#/book", "预约办事"], ["#/appointments", "我的预约"],
                 ["#/waitlist", "我的候补"], ["#/applications", "办件进度"], ["#/bundles", "一件事"], ["#/feedback", "诉求与评价"], ["#/messages", "消息"],
                 ["#/certificates", "我的证照"], ["#/me", "我的"], ["#/consents", "订阅通知"]];
    show("办事通", form("home-search", field("q", "搜一搜：说说您想办什么事", { hint: "例如：我想开个小饭馆、营业执照丢了、yyzz" }),
                      "搜索") + '<div class="tiles">' + tiles.map(function (t) {
      return '<a class="tile" href="' + t[0] + '">' + t[1] + "</a>";
    }).join("") + '</div><button type="button" id="logout">退出登录</button>');
    onSubmit("home-search", function (values) { go("#/guide?q=" + encodeURIComponent(values.q || "")); });
    document.getElementById("logout").addEventListener("click", function () {
      api.logout().then(function () { storage.remove(OPENID_KEY); go("#/login"); });
    });
  }

  /** 长辈模式's home: the search box and the three things most often done, large; nothing else to find. */
  function elderHomePage() {
    var tiles = [["#/book", "预约办事"], ["#/appointments", "我的预约"], ["#/applications", "办件进度"],
                 ["#/messages", "消息"], ["#/me", "我的"]];
    show("办事通 · 长辈模式", form("home-search", field("q", "说说您想办什么事"), "搜索") +
      '<div class="elder-tiles">' + tiles.map(function (t) {
        return '<a class="tile" href="' + t[0] + '">' + t[1] + "</a>";
      }).join("") + '</div><a class="button" href="#/elder">长辈模式设置</a>');
    onSubmit("home-search", function (values) { go("#/guide?q=" + encodeURIComponent(values.q || "")); });
  }

  function elderPage() {
    var size = storage.get(FONT_KEY) || "17";
    show("长辈模式", '<p id="elder-state" class="card">长辈模式：' + (elderOn() ? "已开启" : "未开启") +
      "（字更大、按钮更大、首页只留常用的三件事、选时段按钟点排好）</p>" +
      '<button type="button" id="elder-toggle" class="primary">' + (elderOn() ? "关闭长辈模式" : "开启长辈模式") +
      "</button>" + form("font", select("fontsize", "微信字体大小（模拟器里设置，字体调大自动开启长辈模式）",
        [["17", "标准"], ["20", "大"], ["24", "特大"]], size), "保存字体设置") + '<a class="button" href="#/home">回到首页</a>');
    document.getElementById("elder-toggle").addEventListener("click", function () {
      storage.set(ELDER_KEY, elderOn() ? "0" : "1");
      route();
    });
    onSubmit("font", function (values) { storage.set(FONT_KEY, values.fontsize); route(); });
  }

  var FACE_OUTCOMES = [["10000", "本人刷脸，核验通过"], ["10004", "不是本人（10004）"],
                       ["10002", "光线太暗，未检测到人脸（10002）"], ["90002", "中途取消（90002）"]];

  function mePage() {
    return api.get("/api/v1/me").then(function (me) {
      show("我的", '<div class="card" id="profile-card"><p>姓名：' + esc(me.real_name || "未填写") + "</p><p>身份证号：" +
        esc(me.id_number_masked || "未填写") + "</p><p>手机号：" + esc(me.phone_masked || "未填写") +
        (me.phone_masked ? (me.phone_verified ? "（微信验证）" : "（未验证）") : "") + '</p><p id="identity-status">实名状态：' +
        (me.verified ? "已实名核验" : "未实名核验（预约、查看证照需先核验）") + "</p></div>" +
        '<a class="button" href="#/relatives">亲友代办</a>' +
        '<a class="button" href="#/mydata">我的数据（导出个人信息副本、查询记录）</a>' +
        "<h2>" + (me.verified ? "重新实名核验" : "实名核验（人脸核身）") + "</h2>" + form("verify",
          field("real_name", "姓名", { autocomplete: "name", value: me.verified ? me.real_name : "" }) +
          field("id_number", "身份证号", { hint: "由微信人脸核身确认是本人；只保存加密后的号码" }), "开始人脸核验") +
        '<div id="face-check" hidden><h2>模拟刷脸</h2>' + form("face",
          select("verify_ret", "刷脸结果（模拟器里选择）", FACE_OUTCOMES, "10000"), "完成刷脸") + "</div>" +
        "<h2>手机号</h2>" + form("wx-phone",
          field("wx_phone", "微信绑定的手机号（模拟）", { type: "tel", inputmode: "numeric", value: "13800138000" }),
          "使用微信手机号") +
        form("profile", field("phone", "手动填写手机号", { type: "tel", inputmode: "numeric", autocomplete: "tel" }), "保存手机号") +
        '<a class="button" href="#/elder">长辈模式</a>' +
        '<h2>短信提醒</h2><div id="sms-prefs"><p class="muted">正在读取…</p></div>' +
        '<h2>注销账号</h2><p class="muted">注销后立即退出登录，未开始的预约和候补会取消，亲友授权会结束；姓名、身份证号、' +
        "手机号等个人信息将在约1小时内清除，无法恢复。评价会匿名保留，办件档案由办理部门按规定保存。</p>" +
        form("delete-account", field("confirm", "如确定注销，请输入“确认注销”", { autocomplete: "off" }), "注销账号"));
      var started = null;
      smsPreferences();
      onSubmit("delete-account", function (values) {
        return api.post("/api/v1/me/deletion", values).then(function (result) {
          // Every session was revoked by the server: forget it here without a logout call (its 401 would
          // take the page straight to the login screen before the citizen read what happened).
          storage.remove(window.BanshiRequest.TOKEN_KEY);
          storage.remove(OPENID_KEY);
          show("账号已注销", '<p id="deletion-result">' + esc(result.message) + '</p><a class="button" href="#/login">返回登录</a>');
        });
      });
      onSubmit("verify", function (values) {
        return api.post("/api/v1/me/verifications", values).then(function (verification) {
          started = verification;
          document.getElementById("face-check").hidden = false;
          document.getElementById("f-verify_ret").focus();
        });
      });
      onSubmit("face", function (values) {
        // wx.requestFacialVerify({verifyId}) on the phone, then the server asks WeChat how it went.
        return wechat("POST", "facial-verify", { verify_id: started.verify_id, openid: storage.get(OPENID_KEY),
                                                 verify_ret: Number(values.verify_ret) })
          .then(function () { return api.post("/api/v1/me/verifications/" + started.id + "/confirm", {}); })
          .then(function (me) {
            // Say how it went, at the top where the page opens, before anything else.
            return mePage().then(function () {
              var said = document.createElement("p");
              said.id = "face-result";
              said.setAttribute("role", "status");
              said.className = me.verified ? "ok" : "form-error";
              said.textContent = F.faceOutcome(me);
              var card = document.getElementById("profile-card");
              card.parentNode.insertBefore(said, card);
              window.scrollTo(0, 0);
            });
          });
      });
      onSubmit("wx-phone", function (values) {
        // <button open-type="getPhoneNumber"> gives a code; the server exchanges it with WeChat.
        return wechat("POST", "phone-codes", { openid: storage.get(OPENID_KEY), phone: values.wx_phone })
          .then(function (grant) { return api.post("/api/v1/me/phone", { code: grant.code }); })
          .then(function () { route(); });
      });
      onSubmit("profile", function (values) {
        return api.patch("/api/v1/me", compact(values)).then(function () { route(); });
      });
    });
  }

  /** 短信提醒 in 我的: per kind, on unless switched off; only for a phone WeChat vouched for. */
  function smsPreferences(saved) {
    return api.get("/api/v1/me/sms").then(function (prefs) {
      var box = document.getElementById("sms-prefs");
      if (!box) return;
      if (!prefs.available) { box.innerHTML = '<p class="muted">本服务暂未开通短信提醒。</p>'; return; }
      box.innerHTML = '<p class="muted">没有订阅微信通知时，以下重要提醒会发短信到您' +
        (prefs.phone_verified ? "经微信验证的手机号" : "的手机号（需先“使用微信手机号”验证，目前不会发送）") +
        "，每天最多 " + esc(prefs.daily_cap) + " 条。</p>" + form("sms", '<fieldset class="field"><legend>发短信的提醒</legend>' +
        prefs.kinds.map(function (k) {
          return '<label class="choice" for="sms-' + esc(k.kind) + '"><input type="checkbox" id="sms-' + esc(k.kind) +
            '" name="sms_' + esc(k.kind) + '"' + (k.enabled ? " checked" : "") + "> " + esc(k.name) + "</label>";
        }).join("") + "</fieldset>", "保存短信提醒设置") + (saved ? '<p role="status" id="sms-saved">已保存</p>' : "");
      onSubmit("sms", function (values) {
        var off = prefs.kinds.filter(function (k) { return !values["sms_" + k.kind]; }).map(function (k) { return k.kind; });
        return api.put("/api/v1/me/sms", { opted_out: off }).then(function () { return smsPreferences(true); });
      });
    });
  }

  // --- 我的数据 ----------------------------------------------------------------------------------------

  /** What wx.downloadFile does for a 我的数据 file: GET with the bearer header; the browser then saves it. */
  function downloadExportFile(url, filename) {
    return window.fetch(url, { headers: { Authorization: "Bearer " + storage.get(window.BanshiRequest.TOKEN_KEY) } })
      .then(function (response) {
        if (response.status !== 200) {
          return response.json().then(function (data) {
            throw new window.BanshiRequest.BanshiError(response.status, data.error.code, data.error.message, {});
          });
        }
        return response.blob().then(function (blob) {
          var link = document.createElement("a");
          link.href = window.URL.createObjectURL(blob);
          link.download = filename;
          document.body.appendChild(link);
          link.click();
          link.remove();
        });
      });
  }

  function exportRow(e) {
    return '<li id="export-' + e.id + '"><p>申请时间：' + esc(F.slotTime(e.requested_at)) + '</p><p>状态：<span class="tag">' +
      esc(e.state_name) + "</span></p>" +
      (e.expires_at ? "<p>下载截止：" + esc(F.slotTime(e.expires_at)) + "（北京时间），之后文件自动删除</p>" : "") +
      e.files.map(function (f) {
        return '<button type="button" data-download="' + esc(f.url) + '" data-filename="banshi-mydata-' + e.id + "." +
          esc(f.format) + '">下载' + esc(f.name) + "</button>";
      }).join("") + "</li>";
  }

  function accessRow(a) {
    return "<li><p>" + esc(F.slotTime(a.at)) + "（北京时间）</p><p>" + esc(a.centre) + " " + esc(a.role) + " " +
      esc(a.staff_name) + "</p><p>" + esc(a.what) + "</p></li>";
  }

  function myDataPage(done) {
    return Promise.all([api.get("/api/v1/me/data-exports"), api.get("/api/v1/me/access-log?page=1")]).then(function (data) {
      var exports = data[0].exports, log = data[1], page = 1;
      show("我的数据", '<p class="muted">您可以随时查阅、复制办事通保存的您的个人信息：基本信息（含完整身份证号和手机号）、' +
        "预约、办件、诉求、评价、消息、亲友授权、关联企业和电子证照。生成后提供阅读版（PDF）和数据文件（JSON），24小时内可下载，之后自动删除。</p>" +
        '<button type="button" class="primary" id="request-export">申请导出我的数据</button>' +
        '<p class="form-error" role="alert" id="export-error" hidden></p>' +
        '<p role="status" id="export-status">' + esc(done || "") + "</p>" +
        "<h2>我的导出</h2>" + (exports.length ? '<ul class="list" id="exports">' + exports.map(exportRow).join("") + "</ul>"
          : "<p>还没有申请过。</p>") +
        '<button type="button" id="refresh-exports">刷新</button>' +
        '<h2>查询记录</h2><p id="access-total">工作人员查看您信息的记录，共 ' + esc(log.total) + " 条。</p>" +
        (log.accesses.length ? '<ul class="list" id="access-log">' + log.accesses.map(accessRow).join("") + "</ul>"
          : "<p>暂无工作人员查看记录。</p>") +
        (log.has_more ? '<button type="button" id="more-accesses">查看更早的记录</button>' : ""));
      function refused(error) {
        var box = document.getElementById("export-error");
        box.hidden = false;
        box.textContent = error.message;
      }
      document.getElementById("request-export").addEventListener("click", function () {
        api.post("/api/v1/me/data-exports", {}).then(function () {
          return myDataPage("已申请。数据生成后会出现在下面的列表里，一般几分钟内完成，请稍后点“刷新”。");
        }).catch(refused);
      });
      document.getElementById("refresh-exports").addEventListener("click", function () { myDataPage().catch(failed); });
      document.querySelectorAll("[data-download]").forEach(function (button) {
        button.addEventListener("click", function () {
          downloadExportFile(button.getAttribute("data-download"), button.getAttribute("data-filename")).catch(refused);
        });
      });
      var more = document.getElementById("more-accesses");
      if (more) {
        more.addEventListener("click", function () {
          page += 1;
          api.get("/api/v1/me/access-log?page=" + page).then(function (next) {
            document.getElementById("access-log").insertAdjacentHTML("beforeend", next.accesses.map(accessRow).join(""));
            if (!next.has_more) more.remove();
          }).catch(refused);
        });
      }
    });
  }

  var SCOPES = [["book", "代为预约"], ["view", "查看办件与证照"], ["remind", "接收提醒"]];

  function relativeRow(r, mine) {
    return "<li><p><strong>" + esc(r.name) + "</strong>（" + esc(r.relation) + "）" + (r.id_number_masked ? esc(r.id_number_masked) : "") +
      ' <span class="tag">' + esc(r.state_name) + "</span></p><p>" + esc(r.scope_names.join("、")) +
      (r.expires_at ? "，有效期至 " + esc(r.expires_at.slice(0, 10)) : "") + "</p>" +
      (mine && r.state === "active" ? '<a class="button" href="#/relatives/' + r.id + '">查看' + esc(r.name) + "的记录</a>" : "") +
      (r.state === "active" || r.state === "pending"
        ? '<button type="button" data-revoke="' + r.id + '">撤销对' + esc(r.name) + "的授权</button>" : "") + "</li>";
  }

  function relativesPage() {
    return api.get("/api/v1/relatives").then(function (list) {
      show("亲友代办", "<h2>我代办的亲友</h2>" + (list.acting_for.length ? '<ul class="list" id="acting-for">' +
          list.acting_for.map(function (r) { return relativeRow(r, true); }).join("") + "</ul>" : "<p>还没有添加亲友。</p>") +
        '<div id="invite" class="card" hidden></div>' +
        "<h2>添加亲友</h2>" + form("add-relative",
          field("name", "亲友姓名") + field("id_number", "亲友身份证号") +
          select("relation", "与您的关系", F.FAMILY_RELATIONS.map(function (r) { return [r, r]; }), "父母") +
          '<fieldset class="field" data-field="scopes"><legend><strong>代办权限</strong></legend>' +
          SCOPES.map(function (s) {
            return '<label class="choice" for="scope-' + s[0] + '"><input type="checkbox" id="scope-' + s[0] + '" name="scope_' +
              s[0] + '" value="' + s[0] + '" checked> ' + s[1] + "</label>";
          }).join("") + "</fieldset>", "申请代办") +
        "<h2>代我办理的人</h2>" + (list.acting_for_me.length ? '<ul class="list" id="acting-for-me">' +
          list.acting_for_me.map(function (r) { return relativeRow(r, false); }).join("") + "</ul>" : "<p>没有人代您办理。</p>") +
        "<h2>确认亲友的代办申请</h2>" + form("accept-relative", field("code", "授权码", { hint: "亲友申请后会得到 8 位授权码" }),
          "确认授权"));
      document.querySelectorAll("[data-revoke]").forEach(function (button) {
        button.addEventListener("click", function () {
          api.post("/api/v1/relatives/" + button.getAttribute("data-revoke") + "/revoke", {}).then(route).catch(failed);
        });
      });
      onSubmit("add-relative", function (values) {
        var scopes = SCOPES.map(function (s) { return s[0]; }).filter(function (s) { return values["scope_" + s]; });
        return api.post("/api/v1/relatives", { name: values.name, id_number: values.id_number, relation: values.relation,
                                               scopes: scopes }).then(function (created) {
          var box = document.getElementById("invite");
          box.hidden = false;
          box.innerHTML = '<p>授权码：<strong id="invite-code">' + esc(created.invite_code) + "</strong></p><p>请" +
            esc(created.name) + "在自己的微信里完成实名核验后输入授权码确认；没有手机的亲友，可带纸质授权书到政务服务中心窗口登记。授权码 3 天内有效。</p>";
          box.focus();
        });
      });
      onSubmit("accept-relative", function (values) {
        return api.post("/api/v1/relatives/accept", values).then(function () { route(); });
      });
    });
  }

  function relativeRecordsPage(id) {
    function maybe(path) { return api.get(path).catch(function (error) { return { refused: error.message }; }); }
    return Promise.all([maybe("/api/v1/relatives/" + id + "/appointments"), maybe("/api/v1/relatives/" + id + "/applications"),
                        maybe("/api/v1/relatives/" + id + "/licences")]).then(function (data) {
      function section(title, result, key, render) {
        if (result.refused) return "<h2>" + title + '</h2><p class="muted">' + esc(result.refused) + "</p>";
        var rows = result[key] || [];
        return "<h2>" + title + "</h2>" + (rows.length ? '<ul class="list">' + rows.map(render).join("") + "</ul>" : "<p>没有记录。</p>");
      }
      show("亲友的记录", section("预约", data[0], "appointments", function (a) {
        return "<li>" + esc(a.items.map(function (i) { return i.name; }).join("、")) + " · " + esc(a.status_name) + "</li>";
      }) + section("办件", data[1], "applications", function (a) {
        return "<li>" + esc(a.item_name) + " · " + esc(a.status_name) + "</li>";
      }) + section("证照", data[2], "licences", function (l) {
        return "<li>" + esc(l.licence_type) + " " + esc(l.number) + " · 有效期至 " + esc(l.expires_on) + "</li>";
      }) + '<a class="button" href="#/relatives">返回亲友代办</a>');
    });
  }

  function consentsPage() {
    return api.get("/api/v1/subscriptions").then(function (list) {
      show("订阅通知", '<div class="card"><p>模拟 <code>wx.requestSubscribeMessage</code>：允许后，预约结果和到点提醒会出现在微信“服务通知”里。</p></div>' +
        '<ul class="list">' + (list.subscriptions || []).map(function (s) {
          var state = window.BanshiConsent.stillToAsk(s) && s.status === "accept" ? "已用完，需再次允许"
            : ({ accept: "已允许", reject: "已拒绝", not_asked: "未授权" }[s.status] || s.status);
          return '<li class="card">' + esc(s.purpose) + '：<span class="tag">' + esc(state) + "</span></li>";
        }).join("") + '</ul><button type="button" class="primary" id="allow">允许接收通知</button><p id="consent-result" role="status"></p>');
      document.getElementById("allow").addEventListener("click", function () {
        var kinds = {};
        (list.subscriptions || []).forEach(function (s) { kinds[s.template_id] = s.subscription; });
        var openid = storage.get(OPENID_KEY);
        window.BanshiConsent.requestConsents(api, function (ids) {
          return Promise.all(ids.map(function (id) {
            return wechat("POST", "consents", { openid: openid, template_id: id, kind: kinds[id] || "one_time" });
          })).then(function () {
            var answer = {};
            ids.forEach(function (id) { answer[id] = "accept"; });
            return answer;
          });
        }).then(function (result) {
          // WeChat asks for at most three at a time: say what still waits for another tap.
          return consentsPage().then(function () {
            document.getElementById("consent-result").textContent = window.BanshiConsent.leftText(result.left);
          });
        }, function (error) {
          document.getElementById("consent-result").textContent = error.message;
        });
      });
    });
  }

  function itemsPage(query) {
    var q = query.q || "";
    function render(items, error) {
      show("办事指南", form("search", field("q", "搜索事项（名称或拼音首字母）", { value: q }), "搜索") +
        '<ul class="list">' + items.map(function (item) {
          return '<li><a class="row" href="#/items/' + encodeURIComponent(item.code) + '">' + esc(item.name) +
            (item.high_frequency ? ' <span class="tag">高频</span>' : "") + "</a></li>";
        }).join("") + "</ul>");
      onSubmit("search", function (values) { go("#/items?q=" + encodeURIComponent(values.q || "")); });
      if (error) showErrors(document.getElementById("search"), error);
    }
    return api.get("/api/v1/items", { q: q }).then(function (data) { render(data.items); },
                                                    function (error) { render([], error); });
  }

  // --- 智能导服: ask in your own words, scenario interviews -----------------------------------------------

  function guidePage(query) {
    var q = query.q || "";
    function render(body, error) {
      var html = form("ask", field("q", "说说您想办什么事", { value: q }), "搜索");
      if (body) {
        html += '<p id="guide-message" class="' + (body.confident ? "ok" : "warn") + '" role="status">' + esc(body.message) + "</p>";
        if (body.best) {
          html += '<div class="card" id="best-answer"><p><span class="tag">' + esc(body.best.kind_name) + "</span> <strong>" +
            esc(body.best.title) + "</strong></p><p>" + esc(body.best.answer) + "</p>" +
            (body.best.centres.length ? "<p>去这里办：" + body.best.centres.map(function (c) { return esc(c.name); }).join("、") + "</p>" : "") +
            "</div>";
        }
        if (body.scenarios.length) {
          html += "<h2>按情景一步步问您</h2><ul class=\"list\">" + body.scenarios.map(function (sc) {
            return '<li><a class="row" href="#/scenarios/' + encodeURIComponent(sc.code) + '">' + esc(sc.title) + "</a></li>";
          }).join("") + "</ul>";
        }
        if (body.items.length) {
          html += "<h2>相关事项</h2><ul class=\"list\">" + body.items.map(function (item) {
            return '<li><a class="row" href="#/items/' + encodeURIComponent(item.code) + '">' + esc(item.name) + "</a></li>";
          }).join("") + "</ul>";
        }
        if (body.suggestions.length) {
          html += "<h2>" + esc(body.suggestion_title) + '</h2><ul class="list" id="suggestions">' + body.suggestions.map(function (t) {
            return '<li><a class="row" href="#/guide?q=' + encodeURIComponent(t) + '">' + esc(t) + "</a></li>";
          }).join("") + "</ul>";
        }
        if (body.handoff.offered) {
          html += form("handoff", '<p class="muted">' + esc(body.handoff.centre_name ? "将转给：" + body.handoff.centre_name : "将由工作人员分派") +
            "</p>", "转人工咨询") + '<p id="handoff-result" role="status"></p>';
        }
      }
      show("智能导服", html);
      onSubmit("ask", function (values) { go("#/guide?q=" + encodeURIComponent(values.q || "")); });
      if (error) showErrors(document.getElementById("ask"), error);
      if (body && body.handoff.offered) {
        onSubmit("handoff", function () {
          return api.post("/api/v1/guide/handoff", { q: q, centre_id: body.handoff.centre_id }).then(function (done) {
            document.getElementById("handoff-result").textContent = done.message;
            document.querySelector("#handoff button").disabled = true;
          });
        });
      }
    }
    if (!q) return Promise.resolve(render(null));
    return api.get("/api/v1/guide/search", { q: q }).then(function (body) { render(body); },
                                                          function (error) { render(null, error); });
  }

  function scenariosPage() {
    return api.get("/api/v1/guide/scenarios").then(function (data) {
      show("我要办事", '<p class="muted">选一个最像您情况的，回答几个问题，告诉您要办哪些事、带什么材料、去哪里办。</p><ul class="list">' +
        data.scenarios.map(function (sc) {
          return '<li><a class="row" href="#/scenarios/' + encodeURIComponent(sc.code) + '">' + esc(sc.title) +
            ' <span class="muted">' + esc(sc.summary) + "</span></a></li>";
        }).join("") + "</ul>");
    });
  }

  function scenarioPage(code) {
    var answers = {};
    var version = null;
    function ask(step) {
      if (step.done) return result();
      var question = step.question;
      show(step.scenario.title, '<p class="muted" id="progress">' + esc(step.progress) + "</p>" +
        form("answer", radios(question.key, question.text, question.options.map(function (o) {
          return [String(o.value), o.label];
        }), null), "下一步"));
      onSubmit("answer", function (values) {
        var picked = values[question.key];
        if (picked === undefined) {
          throw new window.BanshiRequest.BanshiError(422, "validation_failed", "请选择一项", { key: "请选择一项" });
        }
        var option = question.options.filter(function (o) { return String(o.value) === picked; })[0];
        answers[question.key] = option.value;
        return api.post("/api/v1/guide/scenarios/" + encodeURIComponent(code) + "/answers",
                        { answers: answers, version: version }).then(ask);
      });
    }
    function result() {
      return api.post("/api/v1/guide/scenarios/" + encodeURIComponent(code) + "/result",
                      { answers: answers, version: version, lat: HOME_LOCATION.lat, lng: HOME_LOCATION.lng })
        .then(function (checklist) {
          var codes = checklist.items.map(function (i) { return i.code; });
          show("办事清单", '<p class="ok" role="status" id="checklist-message">' + esc(checklist.message) + "</p>" +
            '<ol id="checklist-items">' + checklist.items.map(function (item) {
              return '<li><a href="#/items/' + encodeURIComponent(item.code) + '">' + esc(item.name) + "</a></li>";
            }).join("") + "</ol>" +
            checklist.notes.map(function (n) { return '<p class="card">提示：' + esc(n) + "</p>"; }).join("") +
            (checklist.materials.length ? "<h2>一套材料（已合并重复的）</h2><ul id=\"checklist-materials\">" + checklist.materials.map(function (m) {
              return "<li>" + esc(m.name) + "（" + esc(m.form_name) + " " + m.count + " 份）" +
                (m.key ? "" : ' <span class="tag">' + esc(G.plain("deferred")) + "</span>") + "</li>";
            }).join("") + "</ul>" : "") +
            (checklist.centres.length ? "<h2>离您最近、能一次办完的地方</h2><ul class=\"list\">" + checklist.centres.map(function (c) {
              return '<li><a class="row" href="#/book/' + encodeURIComponent(codes[0]) + "?also=" + encodeURIComponent(codes.slice(1).join(",")) +
                "&centre=" + c.id + '">一键预约 · ' + esc(c.name) +
                (c.distance_km !== null && c.distance_km !== undefined ? "（" + c.distance_km + " 公里）" : "") + "</a></li>";
            }).join("") + "</ul>" : ""));
        });
    }
    return api.get("/api/v1/guide/scenarios/" + encodeURIComponent(code)).then(function (step) {
      version = step.scenario.version;
      return ask(step);
    });
  }

  function guideRows(guide) {
    return F.guideLines(guide).map(function (line) {
      return "<p><strong>" + esc(line.label) + "</strong>：" + esc(line.text) + "</p>";
    }).join("");
  }

  function itemPage(code) {
    return api.get("/api/v1/items/" + encodeURIComponent(code)).then(function (item) {
      var guide = elderOn() && item.guide.short ? { short: item.guide.short } : item.guide;   // 长辈模式: the short one
      show(item.name, '<div class="card" id="item-guide">' + guideRows(guide) +
        (item.time_limit_working_days ? "<p><strong>承诺时限</strong>：" + item.time_limit_working_days + " 个工作日</p>" : "") +
        "</div><h2>需要带的材料</h2><ul>" + item.materials.map(function (m) {
          return "<li>" + esc(F.materialLine(m)) + (m.key ? "" : ' <span class="tag">' + esc(G.plain("deferred")) + "</span>") + "</li>";
        }).join("") + '</ul><a class="button primary" href="#/book/' + encodeURIComponent(item.code) + '">预约办理</a>' +
        // 网上申报 only where the item has an online form (elsewhere the form would say 暂不支持).
        (item.online_form ? '<a class="button" href="#/file/' + encodeURIComponent(item.code) + '">网上申报</a>' : ""));
    });
  }

  // --- 网上申报 --------------------------------------------------------------------------------------

  function uploadFile(file, purpose) {  // what wx.uploadFile does: multipart, the bearer token, the JSON answer
    var body = new window.FormData();
    body.append("purpose", purpose);
    body.append("file", file);
    return window.fetch("/api/v1/files", { method: "POST", body: body, headers: {
      Authorization: "Bearer " + storage.get(window.BanshiRequest.TOKEN_KEY) } }).then(function (response) {
      return response.json().then(function (data) {
        if (response.status >= 400) {
          throw new window.BanshiRequest.BanshiError(response.status, data.error.code, data.error.message,
                                                     data.error.fields || {});
        }
        return data.file;
      });
    });
  }

  function formUrl(kind, code, businessId) {  // an item's online form, or a 一件事 bundle's shared one
    return (kind === "bundle" ? "/api/v1/bundles/" : "/api/v1/items/") + encodeURIComponent(code) + "/online-form" +
      (businessId ? "?business_id=" + businessId : "");
  }

  function startFilingPage(code, kind) {
    return Promise.all([api.get(formUrl(kind, code)), api.get("/api/v1/businesses")]).then(function (data) {
      var definition = data[0], businesses = data[1].businesses || [];
      var inner = select("centre_id", "办理中心", definition.centres.map(function (c) { return [String(c.id), c.name]; })) +
        (definition.applicant === "business" ? (businesses.length
          ? select("business_id", "以哪家企业申报", businesses.map(function (b) { return [String(b.id), b.name]; }))
          : '<p class="form-error">该事项需以企业身份申报，您还没有关联企业。</p>') : "");
      show("网上申报 · " + (definition.item_name || definition.name), form("start-filing", inner, "开始填写"));
      onSubmit("start-filing", function (values) {
        var body = { centre_id: Number(values.centre_id), business_id: values.business_id ? Number(values.business_id) : null };
        body[kind === "bundle" ? "bundle_code" : "item_code"] = code;
        return api.post("/api/v1/filings", body).then(function (filing) { go("#/filings/" + filing.id); });
      });
    });
  }

  function filingField(f, value) {
    var name = "values." + f.key, label = f.label + (f.required ? "（必填）" : "");
    if (f.type === "choice") {
      return select(name, label, [["", "请选择"]].concat(f.choices.map(function (c) { return [c, c]; })), value || "");
    }
    return field(name, label, { type: { textarea: "textarea", number: "number", date: "date" }[f.type] || "text",
                                value: value === undefined || value === null ? "" : value });
  }

  function filingPage(id) {
    return api.get("/api/v1/filings/" + id).then(function (filing) {
      var bundle = Boolean(filing.bundle_code);
      if (filing.status !== "draft") {
        return go((bundle ? "#/bundle-cases/" : "#/applications/") + encodeURIComponent(filing.reference));
      }
      return api.get(formUrl(bundle ? "bundle" : "item", filing.bundle_code || filing.item_code,
                             filing.business_id)).then(function (definition) {
        var uploaded = JSON.parse(JSON.stringify(filing.materials || {}));
        var mail = filing.mail || { name: "", phone: "", address: "" };
        var inner = definition.fields.map(function (f) { return filingField(f, filing.values[f.key]); }).join("") +
          "<h2>申请材料</h2>" + definition.materials.map(function (m, i) {
            var count = (uploaded[m.name] || []).length;
            return '<div class="field" data-field="materials.' + esc(m.name) + '"><label for="m-' + i + '">' + esc(m.name) +
              (m.key ? "（必需）" : "（" + G.plain("deferred") + "）") + '</label>' +
              (m.items && m.items.length > 1 ? '<p class="muted">' + esc(m.items.join("、")) + "共用，只交一份</p>" : "") +
              '<input type="file" id="m-' + i + '" data-material="' + esc(m.name) +
              '" accept="image/jpeg,image/png,application/pdf" multiple><p class="muted" id="m-' + i + '-count">' +
              (count ? "已上传 " + count + " 个文件" : "未上传") + "</p>" +
              (m.key ? "" : '<label class="choice" for="d-' + i + '"><input type="checkbox" id="d-' + i + '" name="deferred" value="' +
                esc(m.name) + '"' + (filing.deferred.indexOf(m.name) >= 0 ? " checked" : "") + "> 这份先不交，以后补交</label>") + "</div>";
          }).join("") +
          field("promise_text", "补交承诺（有材料以后补交时填写）", { value: filing.promise_text || "",
                                                          hint: G.explain("deferred") }) +
          ((definition.promises || []).length ? "<h2>告知承诺（可选）</h2><p class=\"muted\">" + esc(G.explain("promise")) + "</p>" + definition.promises.map(function (pr, i) {
            var signed = Boolean((filing.promises || {})[pr.key]);
            return '<div class="field promise" data-field="promises.' + esc(pr.key) + '"><p>' + esc(pr.condition) +
              (pr.instead_of ? "（签署后不用再交“" + esc(pr.instead_of) + "”）" : "") + "</p><p>" + esc(pr.text) + "</p>" +
              '<label class="choice" for="p-' + i + '"><input type="checkbox" id="p-' + i + '" name="promises" value="' +
              esc(pr.key) + '"' + (signed ? " checked" : "") + "> 我已阅读并签署以上承诺</label></div>";
          }).join("") : "") +
          radios("delivery", "取件方式", [["pickup", "到中心领取"], ["mail", "邮寄到家"]], filing.delivery) +
          '<div data-field="mail">' + field("mail.name", "收件人", { value: mail.name }) +
          field("mail.phone", "收件手机号", { value: mail.phone, inputmode: "numeric" }) +
          field("mail.address", "收件地址", { value: mail.address }) + "</div>" +
          '<input type="hidden" name="action" value="submit">';
        show("网上申报 · " + filing.item_name, '<p class="muted">办理中心：' + esc(filing.centre_name) + "</p>" +
          (definition.not_needed && definition.not_needed.length ? '<div class="card" id="not-needed"><p>一件事免交：</p><ul>' +
            definition.not_needed.map(function (n) { return "<li>" + esc(n.name) + "：" + esc(n.reason) + "</li>"; }).join("") +
            "</ul></div>" : "") +
          form("filing", inner, "提交申报") + '<button type="button" id="save-draft">保存草稿</button>');
        document.querySelectorAll("input[data-material]").forEach(function (input) {
          input.addEventListener("change", function () {
            var name = input.getAttribute("data-material"), counter = document.getElementById(input.id + "-count");
            counter.textContent = "上传中…";
            Promise.all(Array.prototype.map.call(input.files, function (file) { return uploadFile(file, "material"); }))
              .then(function (files) {
                uploaded[name] = (uploaded[name] || []).concat(files.map(function (f) { return f.id; }));
                counter.textContent = "已上传 " + uploaded[name].length + " 个文件";
              }).catch(function (error) { counter.textContent = error.message; });
          });
        });
        function body(values) {
          var fieldValues = {};
          definition.fields.forEach(function (f) {
            var v = values["values." + f.key];
            if (v !== undefined && v !== "") fieldValues[f.key] = v;
          });
          var delivery = values.delivery || "pickup";
          return { values: fieldValues, materials: uploaded, deferred: [].concat(values.deferred || []),
                   promise_text: values.promise_text || null, delivery: delivery,
                   promises: [].concat(values.promises || []),
                   mail: delivery === "mail" ? { name: values["mail.name"] || "", phone: values["mail.phone"] || "",
                                                 address: values["mail.address"] || "" } : null };
        }
        function collect() {
          var values = {};
          new window.FormData(document.getElementById("filing")).forEach(function (value, key) {
            values[key] = values[key] === undefined ? value : [].concat(values[key], value);
          });
          return values;
        }
        document.getElementById("save-draft").addEventListener("click", function () {
          var formElement = document.getElementById("filing");
          clearErrors(formElement);
          api.put("/api/v1/filings/" + id, body(collect())).then(function () {
            var general = formElement.querySelector(".form-error");
            general.textContent = "草稿已保存";
            general.hidden = false;
          }).catch(function (error) { showErrors(formElement, error); });
        });
        onSubmit("filing", function (values) {
          return api.put("/api/v1/filings/" + id, body(values)).then(function () {
            return api.post("/api/v1/filings/" + id + "/submit", {});
          }).then(function (done) {
            go((done.kind === "bundle" ? "#/bundle-cases/" : "#/applications/") + encodeURIComponent(done.reference));
          });
        });
      });
    });
  }

  // --- 一件事 ----------------------------------------------------------------------------------------

  function bundlesPage() {
    return api.get("/api/v1/bundles").then(function (data) {
      show("一件事", "<p>几件相关的事一起办：一张表、一套材料、一个窗口。</p>" + (data.bundles.length ? '<ul class="list">' +
        data.bundles.map(function (b) {
          return '<li><a class="row" href="#/bundles/' + encodeURIComponent(b.code) + '">' + esc(b.name) + "<br><span class=\"muted\">" +
            esc(b.summary) + "</span></a></li>";
        }).join("") + "</ul>" : "<p>暂无可办的一件事。</p>"));
    });
  }

  function bundlePage(code) {
    return api.get("/api/v1/bundles").then(function (data) {
      var b = data.bundles.filter(function (x) { return x.code === code; })[0];
      if (!b) return show("一件事", '<p class="form-error">没有找到该“一件事”。</p>');
      show(b.name, '<div class="card"><p>' + esc(b.summary) + '</p><h2>包含的事项</h2><ol id="bundle-items">' +
        b.items.map(function (i) {
          return "<li>" + esc(i.name) + "（" + esc(i.department) + (i.time_limit_working_days ? "，" + i.time_limit_working_days + " 个工作日" : "") + "）</li>";
        }).join("") + "</ol></div>" +
        '<a class="button primary" href="#/file-bundle/' + encodeURIComponent(b.code) + '">网上申报（一表申请）</a>' +
        '<a class="button" href="#/book-bundle/' + encodeURIComponent(b.code) + '">预约到窗口一次办完</a>');
    });
  }

  function bundleBookPage(code, query) {
    return api.get("/api/v1/bundles/" + encodeURIComponent(code) + "/online-form").then(function (definition) {
      var centre = query.centre || (definition.centres[0] ? String(definition.centres[0].id) : "");
      var date = query.date || new Date(Date.now() + 86400000).toISOString().slice(0, 10);
      var pick = form("bundle-day", select("centre", "办理中心（能一次办完全部事项的）", definition.centres.map(function (c) {
        return [String(c.id), c.name]; }), centre) + field("date", "日期", { type: "date", value: date }), "查看可约时段");
      if (!centre) return show("预约 · " + definition.name, '<p class="form-error">暂无能一次办完这些事项的中心。</p>');
      return api.get("/api/v1/bundles/" + encodeURIComponent(code) + "/slots", { centre_id: centre, date: date }).then(function (slots) {
        show("预约 · " + definition.name, pick + "<h2>一次办完需要连续的时段</h2>" + (slots.slots.length ? '<ul class="list" id="bundle-slots">' +
          slots.slots.map(function (s) {
            return '<li><button type="button" class="row" data-slot="' + s.slot_id + '">' + esc(s.starts_at.slice(11, 16)) + "–" +
              esc(s.ends_at.slice(11, 16)) + " · " + esc(s.window_name) + "</button></li>";
          }).join("") + "</ul>" : "<p>这一天没有能一次办完的时段，请换一天。</p>"));
        onSubmit("bundle-day", function (values) {
          go("#/book-bundle/" + encodeURIComponent(code) + "?centre=" + values.centre + "&date=" + values.date);
        });
        document.querySelectorAll("[data-slot]").forEach(function (button) {
          button.addEventListener("click", function () {
            api.post("/api/v1/appointments", { slot_id: Number(button.getAttribute("data-slot")), item_codes: slots.item_codes })
              .then(function (appointment) { go("#/appointments/" + appointment.id); }, failed);
          });
        });
      });
    });
  }

  function bundleCasePage(reference) {
    return api.get("/api/v1/bundle-cases/" + encodeURIComponent(reference)).then(function (b) {
      show("一件事进度", '<div class="card"><p><strong>' + esc(b.title) + "</strong></p><p>受理编号 " + esc(b.reference) + "</p>" +
        '<p>进度：<span id="bundle-phase">' + esc(b.phase_name) + "</span></p>" +
        (b.receiving_province ? "<p>跨省通办受理地：" + esc(b.receiving_province) + "</p>" : "") +
        "<p>办理中心：" + esc(b.centre_name) + "</p></div><h2>各事项</h2><ul class=\"list\" id=\"bundle-children\">" +
        b.children.map(function (c) {
          return '<li><a class="row" href="#/applications/' + encodeURIComponent(c.reference) + '">' + esc(c.item_name) +
            "<br>" + esc(c.department) + " · <span data-child-status>" + esc(c.status_name) + "</span>" +
            (c.due_on ? " · 承诺办结 " + esc(c.due_on) : "") + "</a></li>";
        }).join("") + '</ul><h2>办理过程</h2><ol class="timeline">' + b.timeline.map(function (e) {
          return "<li>" + esc(e.at.slice(0, 16).replace("T", " ")) + " " + esc(e.item_name) + "：" + esc(e.title) +
            (e.status_name ? "（" + esc(e.status_name) + "）" : "") + (e.note ? "<br>" + esc(e.note) : "") + "</li>";
        }).join("") + "</ol>" +
        (b.can_rate ? '<a class="button primary" href="#/rate/bundle/' + b.id + '">评价这件事</a>' : ""));
    });
  }

  function centrePage(id) {
    return Promise.all([api.get("/api/v1/centres/" + id), api.get("/api/v1/centres/" + id + "/ratings")])
      .then(function (loaded) {
        var centre = loaded[0], ratings = loaded[1];
        show(centre.name, '<div class="card" id="centre-ratings"><h2>服务评价（' + esc(ratings.period) + "）</h2>" +
          "<p>评价数：" + ratings.total + " 条</p><p>好评率：" + esc(ratings.good_rate_text) + "</p><p>差评整改率：" +
          esc(ratings.rectification_text) + "</p>" +
          (ratings.items.length ? "<h3>各事项好评率（评价满" + ratings.threshold + "条的事项）</h3><ul>" + ratings.items.map(function (i) {
            return "<li>" + esc(i.name) + "：" + esc(i.good_rate_text) + "（" + i.total + " 条）</li>";
          }).join("") + "</ul>" : "") + '<p class="muted">' + esc(ratings.definition) + "</p></div>" +
          (centre.closures || []).map(function (c) {
            return '<p class="card notice closure" role="alert">' + esc(c.notice) + "</p>";
          }).join("") +
          "<h2>办公时间</h2><ul>" + centre.opening_hours.map(function (h) {
            return "<li>" + esc(h.weekday_name) + " " + esc(h.opens) + "–" + esc(h.closes) + (h.label ? "（" + esc(h.label) + "）" : "") + "</li>";
          }).join("") + "</ul>");
      });
  }

  function bookPickItem() {
    return api.get("/api/v1/items", { q: "" }).then(function (data) {
      show("预约办事", "<h2>选择要办的事</h2><ul class=\"list\">" + data.items.map(function (item) {
        return '<li><a class="row" href="#/book/' + encodeURIComponent(item.code) + '">' + esc(item.name) + "</a></li>";
      }).join("") + "</ul>");
    });
  }

  /** One choice per start time (the same time at several windows merged by format.js), seats left in words,
   *  the windows named in plain words; a full time is greyed, says 已约满 and cannot be chosen. */
  function slotChoices(slots) {
    var periods = F.slotsByPeriod(slots);
    function group(name, list) {
      if (!list.length) return "";
      return "<h3>" + name + '</h3><div class="slots">' + list.map(function (s) {
        var windows = '<span class="muted slot-windows">' + esc(s.windowText) + "</span>";
        if (s.full) {
          return '<p class="slot full" aria-disabled="true">' + esc(s.time) + " · 已约满，不能预约" + windows + "</p>";
        }
        return '<label for="slot-' + s.id + '"><input type="radio" name="slot_id" id="slot-' + s.id + '" value="' + s.id +
          '"> ' + esc(s.time) + " · " + esc(s.seats) + windows + "</label>";
      }).join("") + "</div>";
    }
    return slots.length ? group("上午", periods.morning) + group("下午", periods.afternoon)
      : '<p class="muted">这一天没有可预约的时段，请换一天。</p>';
  }

  /** 长辈模式's slot picker: free slots only, none the rules no longer allow (before the centre's earliest
   *  bookable time), by hour, seats left in words, and 最早可约 as one tap. */
  function elderSlotChoices(slots, notBefore) {
    var groups = F.slotsByHour((slots || []).filter(function (slot) { return !notBefore || slot.starts_at >= notBefore; }));
    if (!groups.length) return '<p class="muted">这一天没有可预约的时段，请换一天。</p>';
    var first = groups[0].slots[0];
    return '<button type="button" class="primary" id="earliest" data-slot="' + first.id + '">最早可约：' + esc(first.time) +
      " · 一键预约</button>" + groups.map(function (g) {
        return "<h3>" + esc(g.label) + '</h3><div class="slots">' + g.slots.map(function (slot) {
          return '<label for="slot-' + slot.id + '"><input type="radio" name="slot_id" id="slot-' + slot.id + '" value="' +
            slot.id + '"> ' + esc(slot.time) + "（" + esc(slot.seats) + "）</label>";
        }).join("") + "</div>";
      }).join("");
  }

  function bookPage(code, query) {
    // 长辈模式: an elder who has not verified yet is told so first, with one large button, not at the last step.
    if (elderOn() && !query.checked) {
      return api.get("/api/v1/me").then(function (me) {
        if (me.verified) return bookPage(code, Object.assign({}, query, { checked: "1" }));
        show("预约 · 先完成实名核验", '<p class="card" id="verify-first">预约需要先完成实名核验（刷一次脸，确认是您本人），' +
          "核验后回到这里就能预约。</p>" + '<a class="button primary" id="verify-now" href="#/me">去实名核验</a>' +
          '<a class="button" href="#/home">回到首页</a>');
      });
    }
    return Promise.all([api.get("/api/v1/items/" + encodeURIComponent(code)),
                        api.get("/api/v1/centres", { item: code, lat: HOME_LOCATION.lat, lng: HOME_LOCATION.lng }),
                        api.get("/api/v1/relatives")])
      .then(function (loaded) {
        var alsoCodes = (query.also || "").split(",").filter(function (c) { return c; });
        // Items booked with it are named, never shown as codes.
        return Promise.all(alsoCodes.map(function (c) {
          return api.get("/api/v1/items/" + encodeURIComponent(c)).then(function (i) { return i.name; },
                                                                          function () { return c; });
        })).then(function (names) { return loaded.concat([names]); });
      })
      .then(function (loaded) {
        var item = loaded[0], centres = loaded[1].centres || [], alsoNames = loaded[3];
        var relatives = (loaded[2].acting_for || []).filter(function (r) {
          return r.state === "active" && r.scopes.indexOf("book") >= 0;
        });
        var centreId = query.centre || (centres[0] && String(centres[0].id)) || "";
        var also = (query.also || "").split(",").filter(function (c) { return c; });  // items booked with it (情景清单)
        var chosen = centres.filter(function (c) { return String(c.id) === centreId; })[0];
        var earliestFree = chosen && chosen.earliest_free_slot;   // the finder's earliest bookable start
        // Open on the centre's earliest day with a free seat (长辈模式 leads with its one big 最早可约 button instead).
        var date = query.date || (!elderOn() && earliestFree ? earliestFree.slice(0, 10) : "");
        var slotsPromise = centreId && date
          ? api.get("/api/v1/centres/" + centreId + "/slots", { item: code, date: date })
          : Promise.resolve({ slots: [] });
        return slotsPromise.then(function (slotData) {
          show("预约 · " + item.name,
            (also.length ? '<p class="card" id="also-items">同一次到场一并办理：' + esc(alsoNames.join("、")) + "</p>" : "") +
            (elderOn() && earliestFree && !date ? '<a class="button primary" id="earliest-day" href="#/book/' +
              encodeURIComponent(code) + "?centre=" + esc(centreId) + "&date=" + esc(earliestFree.slice(0, 10)) +
              (also.length ? "&also=" + encodeURIComponent(also.join(",")) : "") + '">最早可约：' +
              esc(F.slotTime(earliestFree)) + "</a>" : "") +
            form("when", select("centre", "办理地点（离您最近的在前）", centres.map(function (c) {
              return [String(c.id), c.name + (c.distance_km !== null && c.distance_km !== undefined ? "（" + c.distance_km + " 公里）" : "")];
            }), centreId) + field("date", "日期", { type: "date", value: date, required: true }), "查看可约时段") +
            (centreId ? '<p><a href="#/centres/' + esc(centreId) + '" id="centre-link">这个中心的办公时间和服务评价</a></p>' : "") +
            (slotData.closures || []).map(function (c) {
              return '<p class="card notice closure" role="alert">' + esc(c.notice) + "</p>";
            }).join("") +
            (centreId && date && earliestFree && earliestFree.slice(0, 10) !== date &&
             !(slotData.slots || []).some(function (s) { return s.remaining > 0; })
              ? '<p class="card" id="next-open">这一天没有可约的号。<a class="button" href="#/book/' + encodeURIComponent(code) +
                "?centre=" + esc(centreId) + "&date=" + esc(earliestFree.slice(0, 10)) +
                (also.length ? "&also=" + encodeURIComponent(also.join(",")) : "") + '">看最早可约的一天：' +
                esc(F.slotTime(earliestFree)) + "</a></p>" : "") +
            (centreId && date && F.dayFull(slotData.slots) && !(slotData.closures || []).length ? '<div class="card" id="waitlist-offer"><p>这一天已约满。' +
              "加入候补后，有人取消时号源会按候补先后为您保留，并通知您确认。</p>" +
              form("waitlist", radios("period", "想办理的时间", F.WAITLIST_PERIODS, "all"), "加入候补") + "</div>" : "") +
            (centreId && date ? "<h2>可约时段</h2>" + form("book",
              '<div data-field="slot_id">' + (elderOn() ? elderSlotChoices(slotData.slots, earliestFree)
                                                : slotChoices(slotData.slots || [])) + "</div>" +
              radios("who", "为谁预约", [["self", "为自己"]].concat(relatives.length ? [["relative", "为已授权的亲友"]] : [])
                .concat([["other", "为家人或他人代约"]]), "self") +
              (relatives.length ? '<div id="relative-person" hidden>' + select("for_relative", "选择亲友", relatives.map(function (r) {
                return [String(r.id), r.name + "（" + r.relation + "）"];
              }), String(relatives[0].id)) + "</div>" : "") +
              '<div id="other-person" hidden>' + field("for_person.name", "对方姓名") +
              field("for_person.id_number", "对方身份证号") +
              field("for_person.phone", "对方手机号", { type: "tel", inputmode: "numeric" }) +
              select("for_person.relation", "与您的关系", F.RELATIONS.map(function (r) { return [r, r]; }), "父母") + "</div>",
              "确认预约") : ""));
          onSubmit("when", function (values) {
            if (values.centre === centreId && values.date === date) return;   // that day is already shown
            go("#/book/" + encodeURIComponent(code) + "?centre=" + values.centre + "&date=" + values.date +
               (also.length ? "&also=" + encodeURIComponent(also.join(",")) : ""));
          });
          if (document.getElementById("waitlist")) onSubmit("waitlist", function (values) {
            var body = Object.assign({ centre_id: Number(centreId), item_code: code, date_from: date, date_to: date },
                                     F.waitlistTimes(values.period));
            return api.post("/api/v1/waitlist", body).then(function () { go("#/waitlist"); });
          });
          var bookForm = document.getElementById("book");
          if (!bookForm) return;
          var earliest = document.getElementById("earliest");
          if (earliest) earliest.addEventListener("click", function () {
            document.getElementById("slot-" + earliest.getAttribute("data-slot")).checked = true;
            bookForm.requestSubmit();
          });
          bookForm.querySelectorAll("input[name=who]").forEach(function (input) {
            input.addEventListener("change", function () {
              var who = bookForm.querySelector("input[name=who]:checked").value;
              document.getElementById("other-person").hidden = who !== "other";
              if (document.getElementById("relative-person")) document.getElementById("relative-person").hidden = who !== "relative";
            });
          });
          onSubmit("book", function (values) {
            var body = { slot_id: values.slot_id ? Number(values.slot_id) : null, item_codes: [code].concat(also) };
            if (values.who === "relative") body.for_relative = Number(values.for_relative);
            if (values.who === "other") {
              body.for_person = { name: values["for_person.name"], id_number: values["for_person.id_number"],
                                  phone: values["for_person.phone"], relation: values["for_person.relation"] };
            }
            if (!body.slot_id) {
              throw new window.BanshiRequest.BanshiError(422, "validation_failed", "请选择一个时段",
                                                         { slot_id: "请选择一个时段" });
            }
            return api.post("/api/v1/appointments", body).then(function (appointment) {
              go("#/appointments/" + appointment.id);
            });
          });
        });
      });
  }

  /** 我的候补: place in line, the seat held for you (确认预约 in one tap, or 不需要了), leaving the line. */
  function waitlistPage() {
    return api.get("/api/v1/waitlist").then(function (data) {
      var rows = data.entries.map(F.waitlistView);
      show("我的候补", (rows.length ? '<ul class="list">' + rows.map(function (e) {
        return '<li class="card" id="waitlist-' + e.id + '"><p><strong>' + esc(e.title) + "</strong></p><p>" + esc(e.where) +
          "，" + esc(e.when) + '</p><p>状态：<span class="tag">' + esc(e.status) + "</span> " + esc(e.ahead) + "</p>" +
          (e.offerId ? '<p class="notice" id="offer-' + e.offerId + '">' + esc(e.offerText) + '</p><button type="button" class="primary" data-confirm="' +
            e.offerId + '">确认预约</button> <button type="button" data-decline="' + e.offerId + '">不需要了</button>' : "") +
          (e.appointmentId ? '<a class="button" href="#/appointments/' + e.appointmentId + '">查看预约</a>' : "") +
          (e.cancellable && !e.offerId ? '<button type="button" data-leave="' + e.id + '">取消候补</button>' : "") + "</li>";
      }).join("") + "</ul>" : "<p>没有候补。某天约满时，可在预约页面加入候补。</p>") + '<a class="button" href="#/book">去预约</a>');
      function on(attribute, act) {
        document.querySelectorAll("[" + attribute + "]").forEach(function (button) {
          button.addEventListener("click", function () {
            button.disabled = true;
            act(button.getAttribute(attribute)).catch(failed);
          });
        });
      }
      on("data-confirm", function (id) {
        return api.post("/api/v1/waitlist/offers/" + id + "/confirm", {}).then(function (appointment) {
          go("#/appointments/" + appointment.id);
        });
      });
      on("data-decline", function (id) { return api.post("/api/v1/waitlist/offers/" + id + "/decline", {}).then(route); });
      on("data-leave", function (id) { return api.post("/api/v1/waitlist/" + id + "/cancel", {}).then(route); });
    });
  }

  function appointmentsPage() {
    return api.get("/api/v1/appointments").then(function (data) {
      show("我的预约", data.appointments.length ? '<ul class="list">' + data.appointments.map(function (a) {
        return '<li><a class="row" href="#/appointments/' + a.id + '">' + esc(a.items.map(function (i) { return i.name; }).join("、")) +
          "<br>" + esc(F.slotTime(a.starts_at)) + ' <span class="tag">' + esc(a.status_name) + "</span></a></li>";
      }).join("") + "</ul>" : '<p>还没有预约。</p><a class="button primary" href="#/book">去预约</a>');
    });
  }

  function appointmentPage(id, query) {
    return api.get("/api/v1/appointments/" + id).then(function (a) {
      var can = F.appointmentActions(a);
      var ticket = a.ticket ? '<div class="card"><p>您的排队号</p><p class="ticket" id="ticket-number">' + esc(a.ticket.number) +
        "</p><p>" + esc(a.ticket.window_name) + " · " + esc(a.ticket.status_name) + "</p></div>" : "";
      show("预约详情", '<div class="card"><p><strong>' + esc(a.items.map(function (i) { return i.name; }).join("、")) + "</strong></p>" +
        "<p>" + esc(a.centre_name) + " · " + esc(a.window_name) + "</p><p>" + esc(F.slotTime(a.starts_at)) + "</p>" +
        "<p>办事人：" + esc(a.person_name) + (a.for_someone_else ? "（代" + esc(a.relation) + "预约）" : "") +
        '</p><p>状态：<span id="appointment-status">' + esc(a.status_name) + "</span></p></div>" + ticket +
        '<p class="form-error" role="alert" id="action-error" hidden></p>' +
        (can.checkIn ? '<button type="button" class="primary" id="check-in">到达现场，签到取号</button>' +
          // The hall asks for presence: the phone scans the call screen's QR (wx.scanCode); here, type its code.
          '<div id="scan" hidden>' + form("scan-form", field("token", "扫码签到：叫号屏上的签到码（模拟器里手动输入）"),
                                          "扫码签到") + "</div>" : "") +
        (can.rate ? '<a class="button primary" href="#/rate/appointment/' + a.id + '">评价这次服务</a>' : "") +
        (can.reschedule ? "<h2>改约</h2>" + form("reschedule", field("date", "新的日期", { type: "date", value: query.date || "", required: true }) +
          (query.date ? '<div data-field="slot_id" id="new-slots"></div>' : ""), query.date ? "确认改约" : "查看可约时段") : "") +
        (can.cancel ? '<button type="button" class="danger" id="cancel">取消预约</button>' : ""));
      function act(promise) {
        promise.then(function () { appointmentPage(id, {}); }, function (error) {
          var box = document.getElementById("action-error");
          box.textContent = error.message;
          box.hidden = false;
          box.focus && box.focus();
        });
      }
      var checkIn = document.getElementById("check-in");
      if (checkIn) checkIn.addEventListener("click", function () {
        api.post("/api/v1/appointments/" + id + "/check-in").then(function () { appointmentPage(id, {}); },
          function (error) {
            if (error.code !== "presence_required") return act(Promise.reject(error));
            document.getElementById("scan").hidden = false;      // at this hall: scan the screen's code
            document.querySelector("#scan .form-error").textContent = error.message;
            document.querySelector("#scan .form-error").hidden = false;
          });
      });
      if (document.getElementById("scan-form")) onSubmit("scan-form", function (values) {
        return api.post("/api/v1/appointments/" + id + "/check-in?token=" + encodeURIComponent(
          F.hallCode(values.token))).then(function () { appointmentPage(id, {}); });
      });
      var cancel = document.getElementById("cancel");
      if (cancel) cancel.addEventListener("click", function () {
        if (!elderOn()) {
          if (window.confirm("确定取消这个预约吗？")) act(api.post("/api/v1/appointments/" + id + "/cancel"));
          return;
        }
        // 长辈模式 has no pop-ups: the question is asked on the page, with a large button to say yes.
        cancel.insertAdjacentHTML("afterend", '<p class="card" id="cancel-question">确定取消这个预约吗？</p>' +
          '<button type="button" class="danger" id="cancel-yes">是，取消预约</button>' +
          '<button type="button" id="cancel-no">不取消</button>');
        cancel.remove();
        document.getElementById("cancel-yes").addEventListener("click", function () {
          act(api.post("/api/v1/appointments/" + id + "/cancel"));
        });
        document.getElementById("cancel-no").addEventListener("click", function () { appointmentPage(id, {}); });
      });
      if (!can.reschedule) return;
      if (query.date) {
        var code = a.items[0].code;
        api.get("/api/v1/centres/" + a.centre_id + "/slots", { item: code, date: query.date }).then(function (data) {
          document.getElementById("new-slots").innerHTML = slotChoices(data.slots || []);
        });
      }
      onSubmit("reschedule", function (values) {
        if (!query.date || values.date !== query.date) {
          go("#/appointments/" + id + "?date=" + values.date);
          return;
        }
        return api.post("/api/v1/appointments/" + id + "/reschedule", { slot_id: values.slot_id ? Number(values.slot_id) : null })
          .then(function (moved) { go("#/appointments/" + moved.id); });
      });
    });
  }

  function ratePage(target, id) {
    show("评价", "<p>请为这次" + ({ appointment: "现场服务", application: "办件服务", bundle: "一件事办理",
                                  feedback: "诉求答复" }[target] || "服务") +
      "打分，差评我们会回访整改。</p>" + form("rate", radios("level", "满意程度", F.LEVELS.map(function (l) {
        return [String(l.level), l.name];
      })) + field("comment", "想说的话（不满意时请写明原因）", { type: "textarea" }), "提交评价"));
    onSubmit("rate", function (values) {
      // Nothing is chosen for the citizen (国办 2019 好差评: no interfering with the rating): no level, no post.
      if (!values.level) throw F.unchosen("level", F.RATING_UNCHOSEN);
      var body = { target: target, id: Number(id), level: Number(values.level) };
      if (values.comment) body.comment = values.comment;
      return api.post("/api/v1/ratings", body).then(function (result) {
        show("评价", '<div class="card"><p class="ok" role="status">感谢您的评价！</p>' +
          (result.rectification_id ? "<p>我们会在 1 个工作日内与您联系核实。</p>" : "") +
          '</div><a class="button" href="#/home">回到首页</a>');
      });
    });
  }

  function certificatesPage() {
    return api.get("/api/v1/certificates").then(function (data) {
      show("我的证照", (data.certificates.length ? '<ul class="list">' + data.certificates.map(function (c) {
        return '<li><a class="row" href="#/certificates/' + c.id + '">' + esc(c.type_name) + "<br>" + esc(c.identifier) +
          ' <span class="tag">' + esc(c.status_name) + "</span></a></li>";
      }).join("") + "</ul>" : "<p>还没有电子证照。办结的事项签发电子证照后会显示在这里（需先完成实名核验）。</p>") +
        '<a class="button" href="#/home">回到首页</a>');
    });
  }

  function certificatePage(id) {
    return api.get("/api/v1/certificates/" + encodeURIComponent(id)).then(function (c) {
      show("电子证照", '<div class="card"><p><strong>' + esc(c.type_name) + "</strong></p>" +
        "<p>证照编号 " + esc(c.identifier) + '</p><p>状态：<span id="certificate-status">' + esc(c.status_name) + "</span>" +
        (c.revoked_reason ? "（" + esc(c.revoked_reason) + "）" : "") + "</p>" +
        "<p>持证主体：" + esc(c.holder_name) + (c.holder_id_masked ? "（" + esc(c.holder_id_masked) + "）" : "") +
        (c.credit_code ? "（" + esc(c.credit_code) + "）" : "") + "</p>" +
        c.fields.map(function (f) { return "<p>" + esc(f.label) + "：" + esc(f.value) + "</p>"; }).join("") +
        "<p>有效期：" + esc(c.issued_on) + " 至 " + esc(c.expires_on) + "</p><p>签发机关：" + esc(c.issuing_centre) + "</p></div>" +
        '<div class="card qr"><img id="certificate-qr" src="' + esc(c.qr_svg) + '" alt="证照核验二维码" width="200" height="200">' +
        "<p>出示此二维码，对方扫码即可核验真伪和状态。</p>" +
        '<a id="verify-link" href="' + esc(c.verify_url) + '" target="_blank" rel="noopener">打开核验页面</a></div>' +
        '<a class="button" href="#/certificates">返回我的证照</a>');
    });
  }

  function applicationsPage() {
    return Promise.all([api.get("/api/v1/applications"), api.get("/api/v1/bundle-cases")]).then(function (loaded) {
      var data = loaded[0], bundles = loaded[1].bundle_cases;
      show("办件进度", (bundles.length ? '<h2>一件事</h2><ul class="list" id="bundle-cases">' + bundles.map(function (b) {
        return '<li><a class="row" href="#/bundle-cases/' + encodeURIComponent(b.reference) + '">' + esc(b.title) +
          "<br>" + esc(b.reference) + ' <span class="tag">' + esc(b.phase_name) + "</span></a></li>";
      }).join("") + "</ul><h2>单项办件</h2>" : "") + (data.applications.length ? '<ul class="list">' + data.applications.map(function (a) {
        return '<li><a class="row" href="#/applications/' + encodeURIComponent(a.reference) + '">' + esc(a.item_name) +
          "<br>" + esc(a.reference) + ' <span class="tag">' + esc(a.status_name) + "</span></a></li>";
      }).join("") + "</ul>" : "<p>还没有办件记录。在窗口办理后，可凭回执上的受理编号查询。</p>") +
        "<h2>凭回执查询</h2>" + form("lookup", field("reference", "受理编号", { hint: "如 BS20261123-7KQ4MX" }) +
          field("phone_last4", "手机号后四位", { inputmode: "numeric" }), "查询"));
      onSubmit("lookup", function (values) {
        return api.post("/api/v1/applications/lookup", { reference: (values.reference || "").trim().toUpperCase(),
                                                         phone_last4: (values.phone_last4 || "").trim() })
          .then(function (found) { go("#/applications/" + encodeURIComponent(found.reference)); });
      });
    });
  }

  // 远程踏勘: when, the video link, and the checklist's photos to upload before or during the session.
  function inspectionPart(reference) {
    var path = "/api/v1/applications/" + encodeURIComponent(reference) + "/inspection";
    return api.get(path).then(function (inspection) {
      var box = document.getElementById("inspection");
      if (!box) return;
      box.innerHTML = "<h2>远程踏勘</h2><div class=\"card\"><p>时间：" + esc(inspection.starts_at.slice(0, 16).replace("T", " ")) +
        "</p>" + (inspection.video_link ? '<p>视频链接：<a href="' + esc(inspection.video_link) + '" rel="noopener" target="_blank">' +
        esc(inspection.video_link) + "</a></p>" : "") + '<p>状态：<span id="inspection-status">' +
        (inspection.status === "concluded" ? (inspection.conclusion === "pass" ? "踏勘通过" : "需补正") : "待踏勘") + "</span></p></div>" +
        inspection.lines.map(function (line, i) {
          var done = line.file_ids.length ? "已上传 " + line.file_ids.length + " 个" : "未上传";
          return '<div class="card"><p>' + esc(line.text) + "</p>" + (line.evidence === "photo"
            ? (inspection.status === "scheduled"
              ? form("evidence-" + i, field("file", "拍照或短视频（" + done + "）", { type: "file" }), "上传这一项的照片或视频")
              : "<p>" + done + "</p>") : "<p>视频时现场查看，无需上传</p>") + "</div>";
        }).join("");
      inspection.lines.forEach(function (line, i) {
        if (line.evidence !== "photo" || inspection.status !== "scheduled") return;
        onSubmit("evidence-" + i, function (values) {
          if (!values.file || !values.file.size) {
            throw new window.BanshiRequest.BanshiError(422, "validation_failed", "请选择照片或视频",
                                                       { file: "请选择照片或视频" });
          }
          return uploadFile(values.file, "inspection").then(function (uploaded) {
            return api.post(path + "/evidence", { line: line.key, file_ids: [uploaded.id] });
          }).then(function () { inspectionPart(reference); });
        });
      });
    }).catch(function () { /* no inspection for this case */ });
  }

  function applicationPage(reference) {
    return api.get("/api/v1/applications/" + encodeURIComponent(reference)).then(function (a) {
      var owed = a.materials.filter(function (m) { return !m.received; });
      show("办件进度", '<div class="card"><p><strong>' + esc(a.item_name) + "</strong></p><p>受理编号 " + esc(a.reference) +
        '</p><p>状态：<span id="application-status">' + esc(a.status_name) + "</span>" + (a.paused ? "（补正中，时限暂停）" : "") +
        "</p>" + (a.due_on ? "<p>承诺办结：" + esc(a.due_on) + "</p>" : "") + "</div>" +
        (owed.length ? "<h2>待补交的材料</h2>" + owed.map(function (m) {
          var online = a.status === "needs_correction" && m.kind === "correction";
          return '<div class="card"><p>' + esc(m.name) + "，期限 " + esc(m.due_on) + "</p>" +
            (m.note ? "<p>补正原因：" + esc(m.note) + "</p>" : "") +
            (m.reported_by_citizen_at ? '<p class="ok">' + (online ? "已在线补正" : "已告知窗口您已寄送") + "</p>"
              : online ? form("fix-" + m.id, field("file", "补正后的材料（图片或 PDF）", { type: "file" }) +
                                field("note", "说明（可不填）"), "提交补正“" + m.name + "”")
                : form("report-" + m.id, field("note", "怎么交的（如：已邮寄，顺丰单号…）"), "我已补交“" + m.name + "”")) + "</div>";
        }).join("") : "") +
        '<h2>办理过程</h2><ol class="timeline">' + a.timeline.map(function (e) {
          return "<li>" + esc(e.at.slice(0, 16).replace("T", " ")) + " " + esc(e.title) + (e.status_name ? "：" + esc(e.status_name) : "") +
            (e.note ? "<br>" + esc(e.note) : "") + "</li>";
        }).join("") + "</ol>" +
        (a.bundle_reference ? '<p><a id="bundle-link" href="#/bundle-cases/' + encodeURIComponent(a.bundle_reference) +
          '">属于一件事（' + esc(a.bundle_reference) + "），查看全部事项并整体评价</a></p>"
          : a.status === "completed" ? '<a class="button primary" href="#/rate/application/' + a.id + '">评价办件服务</a>' : "") +
        '<div id="inspection"></div>');
      inspectionPart(reference);
      owed.forEach(function (m) {
        if (m.reported_by_citizen_at) return;
        if (a.status === "needs_correction" && m.kind === "correction") {
          onSubmit("fix-" + m.id, function (values) {
            if (!values.file || !values.file.size) {
              throw new window.BanshiRequest.BanshiError(422, "validation_failed", "请选择补正后的材料",
                                                         { file: "请选择补正后的材料" });
            }
            return uploadFile(values.file, "material").then(function (uploaded) {
              return api.post("/api/v1/applications/" + encodeURIComponent(reference) + "/corrections", {
                answers: [{ material_id: m.id, file_ids: [uploaded.id], note: values.note || null }] });
            }).then(function () { applicationPage(reference); });
          });
          return;
        }
        onSubmit("report-" + m.id, function (values) {
          var body = { material_id: m.id };
          if (values.note) body.note = values.note;
          return api.post("/api/v1/applications/" + encodeURIComponent(reference) + "/materials", body)
            .then(function () { applicationPage(reference); });
        });
      });
    });
  }

  function feedbackListPage() {
    return Promise.all([api.get("/api/v1/feedback"), api.get("/api/v1/centres")]).then(function (loaded) {
      var data = loaded[0], centres = loaded[1].centres || [];
      show("诉求与评价", "<h2>我要反映</h2>" + form("file-feedback", select("kind", "类型", F.FEEDBACK_KINDS, "suggestion") +
        select("centre_id", "涉及的服务中心", [["", "不确定（由工作人员分派）"]].concat(centres.map(function (c) {
          return [String(c.id), c.name];
        })), "") +
        field("text", "内容（至少 5 个字）", { type: "textarea", required: true }) +
        '<div class="field" data-field="contact_ok"><label class="choice" for="f-contact_ok"><input type="checkbox" id="f-contact_ok" name="contact_ok" value="true"> 同意工作人员电话联系我</label></div>',
        "提交") + (data.feedback.length ? '<h2>我反映过的</h2><ul class="list">' + data.feedback.map(function (f) {
          return '<li><a class="row" href="#/feedback/' + f.id + '">' + esc(f.kind_name) + "：" + esc(f.text.slice(0, 20)) +
            ' <span class="tag">' + esc(f.status_name) + "</span></a></li>";
        }).join("") + "</ul>" : ""));
      onSubmit("file-feedback", function (values) {
        var body = { kind: values.kind, text: values.text || "", contact_ok: values.contact_ok === "true" };
        if (values.centre_id) body.centre_id = Number(values.centre_id);
        return api.post("/api/v1/feedback", body)
          .then(function (filed) { go("#/feedback/" + filed.id); });
      });
    });
  }

  function feedbackPage(id) {
    return api.get("/api/v1/feedback/" + id).then(function (f) {
      show("诉求详情", '<div class="card"><p><span class="tag">' + esc(f.kind_name) + "</span> " + esc(f.text) +
        '</p><p>状态：<span id="feedback-status">' + esc(f.status_name) + "</span></p><p>答复期限：" + esc(f.due_on) + "</p></div>" +
        (f.answer ? '<div class="card"><h2>答复</h2><p>' + esc(f.answer) + "</p></div>" : "") +
        (f.can_rate ? '<a class="button primary" href="#/rate/feedback/' + f.id + '">评价答复</a>' : "") +
        '<ol class="timeline">' + f.timeline.map(function (e) {
          return "<li>" + esc(e.at.slice(0, 16).replace("T", " ")) + " " + esc(e.title) + (e.note ? "：" + esc(e.note) : "") + "</li>";
        }).join("") + "</ol>");
    });
  }

  function linkOf(page) {
    var match;
    if (!page) return null;
    if ((match = /surveys\/answer\?token=([\w-]+)/.exec(page))) return "#/survey/" + match[1];
    if ((match = /appointments\/detail\?id=(\d+)/.exec(page))) return "#/appointments/" + match[1];
    if ((match = /applications\/detail\?ref=([\w-]+)/.exec(page))) return "#/applications/" + match[1];
    if ((match = /feedback\/detail\?id=(\d+)/.exec(page))) return "#/feedback/" + match[1];
    if ((match = /ratings\/rectification\?id=(\d+)/.exec(page))) return "#/rectifications/" + match[1];
    if (/waitlist\/index/.test(page)) return "#/waitlist";
    // 暂停服务: the booking page opened on the earliest equivalent slot's centre and day.
    if ((match = /book\/index\?code=([\w-]+)&centre=(\d+)&date=(\d{4}-\d{2}-\d{2})/.exec(page))) {
      return "#/book/" + match[1] + "?centre=" + match[2] + "&date=" + match[3];
    }
    return null;
  }

  function loadMessages() {
    var openid = storage.get(OPENID_KEY);
    return Promise.all([api.get("/api/v1/messages"),
                        openid ? wechat("GET", "inbox?openid=" + encodeURIComponent(openid)) : Promise.resolve([])]);
  }

  function inAppItems(messages) {
    return messages.length ? messages.map(function (m) {
      var link = linkOf(m.page);
      return '<li class="notice' + (m.read ? "" : " unread") + '"><strong>' + esc(m.title) + "</strong><br>" + esc(m.body) +
        '<br><span class="muted">' + esc(m.at.slice(0, 16).replace("T", " ")) + " · 微信推送：" + esc(m.push_status_name) + "</span>" +
        (link ? '<a class="button" href="' + link + '">查看</a>' : "") + "</li>";
    }).join("") : "<li>暂无消息</li>";
  }

  function pushedItems(pushed) {
    return pushed.length ? pushed.map(function (p) {
      var values = Object.keys(p.data || {}).map(function (k) {  // {thing1: "…"} as WeChat shows the fields
        var value = p.data[k];
        return esc(value && typeof value === "object" ? value.value : value);
      }).join("<br>");
      var link = linkOf(p.page);
      return '<li class="notice">' + values + (link ? '<a class="button" href="' + link + '">进入小程序查看</a>' : "") + "</li>";
    }).join("") : "<li>暂无服务通知（需要先在“订阅通知”里允许）</li>";
  }

  /** 消息: both lists, refreshed in place every 10 s while the page is open, so messages can be watched
   * arriving; the refresh never moves the focus, and a polite status line says when something new came. */
  function messagesPage() {
    return loadMessages().then(function (loaded) {
      var seen = (loaded[0].messages || []).length + (loaded[1] || []).length;
      show("消息", '<p class="muted" role="status" id="arrivals">每 10 秒自动刷新</p><h2>消息中心</h2><ul class="list" id="in-app">' +
        inAppItems(loaded[0].messages || []) + '</ul><h2>微信“服务通知”</h2><ul class="list" id="service-notices">' +
        pushedItems(loaded[1] || []) + "</ul>" + '<button type="button" id="refresh">刷新</button>');
      document.getElementById("refresh").addEventListener("click", messagesPage);
      api.post("/api/v1/messages/read-all").catch(function () {});
      window.clearInterval(messagesTimer);
      messagesTimer = window.setInterval(function () {
        loadMessages().then(function (fresh) {
          var inApp = document.getElementById("in-app"), notices = document.getElementById("service-notices");
          if (!inApp) return;
          var count = (fresh[0].messages || []).length + (fresh[1] || []).length;
          inApp.innerHTML = inAppItems(fresh[0].messages || []);
          notices.innerHTML = pushedItems(fresh[1] || []);
          if (count > seen) document.getElementById("arrivals").textContent = "收到 " + (count - seen) + " 条新消息";
          seen = count;
        }, function () { /* the next tick tries again */ });
      }, 10000);
    });
  }

  function rectificationPage(id) {
    return api.get("/api/v1/rectifications/" + id).then(function (r) {
      show("差评整改", '<div class="card"><p>您反映的问题：' + esc(r.summary) + '</p><p>状态：<span id="rectification-status">' +
        esc(r.status_name) + "</span></p>" + (r.category ? "<p>整改方式：" + esc(r.category) + "</p>" : "") +
        (r.reply ? "<p>整改情况：" + esc(r.reply) + "</p>" : "<p>我们会在 " + esc(r.fix_due_on) + " 前整改并告诉您。</p>") + "</div>" +
        (r.can_revisit ? "<h2>您对整改结果满意吗？</h2>" + form("revisit",
          radios("satisfied", "整改结果", [["true", "满意"], ["false", "仍不满意"]]) +
          field("comment", "还想说的（仍不满意时请写明）", { type: "textarea" }), "提交") : "") +
        '<ol class="timeline">' + r.timeline.map(function (e) {
          return "<li>" + esc(e.at.slice(0, 16).replace("T", " ")) + (e.note ? " " + esc(e.note) : "") + "</li>";
        }).join("") + "</ol>");
      if (!r.can_revisit) return;
      onSubmit("revisit", function (values) {
        if (!values.satisfied) throw F.unchosen("satisfied", F.REVISIT_UNCHOSEN);
        var body = { satisfied: values.satisfied === "true" };
        if (values.comment) body.comment = values.comment;
        return api.post("/api/v1/rectifications/" + id + "/revisit", body).then(function () { rectificationPage(id); });
      });
    });
  }

  function surveyPage(token) {
    return api.get("/api/v1/surveys/" + encodeURIComponent(token)).then(function (survey) {
      show(survey.title, '<div class="card"><p>' + esc(survey.about) + "</p><p class=\"muted\">请在 " +
        esc(survey.expires_at.slice(0, 10)) + " 前填写</p></div>" + form("survey", survey.questions.map(function (q) {
          var name = "answers." + q.key;
          var legend = q.text + (q.required ? "（必答）" : "");
          if (q.kind === "single") return radios(name, legend, q.options.map(function (o) { return [o, o]; }));
          if (q.kind === "scale") return radios(name, legend, [5, 4, 3, 2, 1].map(function (n) {
            return [String(n), n + " 分" + (n === 5 ? "（非常满意）" : n === 1 ? "（非常不满意）" : "")];
          }));
          if (q.kind === "yes_no") return radios(name, legend, [["true", "是"], ["false", "否"]]);
          if (q.kind === "multiple") {
            return '<fieldset class="field" data-field="' + name + '"><legend><strong>' + esc(legend) + "</strong></legend>" +
              q.options.map(function (o, i) {
                return '<label class="choice" for="q-' + q.key + "-" + i + '"><input type="checkbox" id="q-' + q.key + "-" + i +
                  '" name="' + name + '" value="' + esc(o) + '"> ' + esc(o) + "</label>";
              }).join("") + "</fieldset>";
          }
          return field(name, legend, { type: "textarea" });
        }).join(""), "提交"));
      onSubmit("survey", function (values) {
        var answers = {};
        survey.questions.forEach(function (q) {
          var value = values["answers." + q.key];
          if (value === undefined || value === "") return;
          if (q.kind === "scale") value = Number(value);
          else if (q.kind === "yes_no") value = value === "true";
          else if (q.kind === "multiple") value = [].concat(value);
          answers[q.key] = value;
        });
        return api.post("/api/v1/surveys/" + encodeURIComponent(token) + "/answers", { answers: answers }).then(function (result) {
          show("谢谢", '<div class="card"><p class="ok" role="status">' + esc(result.thanks) + "</p>" +
            (result.follow_up ? "<p>" + esc(result.follow_up) + "</p>" : "") + '</div><a class="button" href="#/home">回到首页</a>');
        });
      });
    });
  }

  // --- routing --------------------------------------------------------------------------------------

  var ROUTES = [
    [/^#\/login$/, loginPage, true],
    [/^#\/home$/, homePage],
    [/^#\/me$/, mePage],
    [/^#\/relatives$/, relativesPage],
    [/^#\/mydata$/, function () { return myDataPage(); }],
    [/^#\/relatives\/(\d+)$/, function (m) { return relativeRecordsPage(m[1]); }],
    [/^#\/consents$/, consentsPage],
    [/^#\/elder$/, elderPage],
    [/^#\/centres\/(\d+)$/, function (m) { return centrePage(m[1]); }],
    [/^#\/guide$/, function (m, q) { return guidePage(q); }],
    [/^#\/scenarios$/, scenariosPage],
    [/^#\/scenarios\/([\w-]+)$/, function (m) { return scenarioPage(m[1]); }],
    [/^#\/items$/, function (m, q) { return itemsPage(q); }],
    [/^#\/items\/([^/?]+)$/, function (m) { return itemPage(decodeURIComponent(m[1])); }],
    [/^#\/book$/, bookPickItem],
    [/^#\/book\/([^/?]+)$/, function (m, q) { return bookPage(decodeURIComponent(m[1]), q); }],
    [/^#\/appointments$/, appointmentsPage],
    [/^#\/waitlist$/, waitlistPage],
    [/^#\/appointments\/(\d+)$/, function (m, q) { return appointmentPage(m[1], q); }],
    [/^#\/rate\/(appointment|application|bundle|feedback)\/([\w-]+)$/, function (m) { return ratePage(m[1], m[2]); }],
    [/^#\/file\/([^/?]+)$/, function (m) { return startFilingPage(decodeURIComponent(m[1]), "item"); }],
    [/^#\/file-bundle\/([^/?]+)$/, function (m) { return startFilingPage(decodeURIComponent(m[1]), "bundle"); }],
    [/^#\/bundles$/, bundlesPage],
    [/^#\/bundles\/([^/?]+)$/, function (m) { return bundlePage(decodeURIComponent(m[1])); }],
    [/^#\/book-bundle\/([^/?]+)$/, function (m, q) { return bundleBookPage(decodeURIComponent(m[1]), q); }],
    [/^#\/bundle-cases\/([\w-]+)$/, function (m) { return bundleCasePage(m[1]); }],
    [/^#\/filings\/(\d+)$/, function (m) { return filingPage(m[1]); }],
    [/^#\/certificates$/, certificatesPage],
    [/^#\/certificates\/(\d+)$/, function (m) { return certificatePage(m[1]); }],
    [/^#\/applications$/, applicationsPage],
    [/^#\/applications\/([\w-]+)$/, function (m) { return applicationPage(m[1]); }],
    [/^#\/feedback$/, feedbackListPage],
    [/^#\/feedback\/(\d+)$/, function (m) { return feedbackPage(m[1]); }],
    [/^#\/messages$/, messagesPage],
    [/^#\/survey\/([\w-]+)$/, function (m) { return surveyPage(m[1]); }],
    [/^#\/rectifications\/(\d+)$/, function (m) { return rectificationPage(m[1]); }]
  ];

  function route() {
    window.clearInterval(messagesTimer);
    document.body.classList.toggle("elder", elderOn());
    var hash = window.location.hash || "#/home";
    var path = hash.split("?")[0];
    var query = {};
    (hash.split("?")[1] || "").split("&").forEach(function (pair) {
      if (pair) query[decodeURIComponent(pair.split("=")[0])] = decodeURIComponent(pair.split("=")[1] || "");
    });
    if (!api.loggedIn() && path !== "#/login") return go("#/login");
    for (var i = 0; i < ROUTES.length; i++) {
      var match = ROUTES[i][0].exec(path);
      if (match) {
        var result = ROUTES[i][1](match, query);
        if (result && result.catch) result.catch(failed);
        return;
      }
    }
    go("#/home");
  }

  window.addEventListener("hashchange", route);
  route();
})();
