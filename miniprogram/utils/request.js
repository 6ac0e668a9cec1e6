/**
 * Banshi's request layer, shared by the mini-program (transport = wx.request) and the web simulator
 * (transport = fetch). No WeChat runtime inside, so Node's test runner covers it.
 *
 * - the bearer token is kept in storage and sent on every call; a 401 clears it and calls onLoggedOut
 * - writes carry an Idempotency-Key; a network failure or 502/503/504 is retried with the SAME key,
 *   so a booking retried after a dropped connection books once
 * - errors come back as BanshiError with the API's Chinese message and per-field messages
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.BanshiRequest = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var TOKEN_KEY = "banshi.token";
  var RETRYABLE = [502, 503, 504];
  var NETWORK_MESSAGE = "网络不太稳定，请稍后再试";

  function BanshiError(status, code, message, fields) {
    this.name = "BanshiError";
    this.status = status;
    this.code = code;
    this.message = message;
    this.fields = fields || {};
  }
  BanshiError.prototype = Object.create(Error.prototype);

  function newKey(random) {
    var bytes = "";
    for (var i = 0; i < 16; i++) bytes += Math.floor(random() * 16).toString(16);
    return "mp-" + Date.now().toString(36) + "-" + bytes;
  }

  function errorOf(status, data) {
    var error = data && data.error;
    if (error && error.message) return new BanshiError(status, error.code, error.message, error.fields);
    return new BanshiError(status, "unexpected", "服务暂时不可用，请稍后再试", {});
  }

  /**
   * options.transport(request) → Promise<{status, data}>; request = {method, url, headers, body}
   * options.storage: {get(key), set(key, value), remove(key)}
   * options.baseUrl: "https://banshi.example.gov.cn"
   * options.uploader(upload) → Promise<{status, data}>; upload = {url, filePath, name, formData, headers}:
   *   wx.uploadFile (multipart; its data comes back as a string)
   */
  var LOGIN_PATH = "/api/v1/auth/login";

  function createClient(options) {
    var transport = options.transport;
    var storage = options.storage;
    var baseUrl = (options.baseUrl || "").replace(/\/$/, "");
    var retries = options.retries === undefined ? 2 : options.retries;
    var wait = options.wait || function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
    var random = options.random || Math.random;
    var onLoggedOut = options.onLoggedOut || function () {};

    // A login under way (app.js's wx.login on launch): a page opened straight from a message asks at once, and
    // without waiting its request would carry no token, get 401 and send the citizen back to the home page.
    var loggingIn = null;

    function send(method, path, body, extraHeaders) {
      if (loggingIn && path !== LOGIN_PATH) {
        return loggingIn.then(function () { return sendNow(method, path, body, extraHeaders); });
      }
      return sendNow(method, path, body, extraHeaders);
    }

    function sendNow(method, path, body, extraHeaders) {
      var headers = { "Content-Type": "application/json" };
      var token = storage.get(TOKEN_KEY);
      if (token) headers.Authorization = "Bearer " + token;
      var key = null;
      if (method !== "GET") {
        key = (extraHeaders && extraHeaders["Idempotency-Key"]) || newKey(random);
        headers["Idempotency-Key"] = key;
      }
      var request = { method: method, url: baseUrl + path, headers: headers, body: body === undefined ? null : body };

      function attempt(left) {
        return transport(request).then(function (response) {
          if (RETRYABLE.indexOf(response.status) >= 0 && left > 0) {
            return wait(400 * (retries - left + 1)).then(function () { return attempt(left - 1); });
          }
          if (response.status === 401) {
            storage.remove(TOKEN_KEY);
            onLoggedOut();
          }
          if (response.status >= 400) throw errorOf(response.status, response.data);
          return response.data;
        }, function () {
          if (left > 0) return wait(400 * (retries - left + 1)).then(function () { return attempt(left - 1); });
          throw new BanshiError(0, "network", NETWORK_MESSAGE, {});
        });
      }
      return attempt(retries);
    }

    return {
      get: function (path, query) { return send("GET", path + queryString(query)); },
      post: function (path, body, headers) { return send("POST", path, body || {}, headers); },
      patch: function (path, body) { return send("PATCH", path, body || {}); },
      put: function (path, body) { return send("PUT", path, body || {}); },
      login: function (code) {
        return send("POST", LOGIN_PATH, { code: code }).then(function (data) {
          storage.set(TOKEN_KEY, data.token);
          return data;
        });
      },
      /** Requests made while `promise` (a login: wx.login, then login(code)) runs wait for it, done or failed. */
      whileLoggingIn: function (promise) {
        var gate = promise.then(function () {}, function () {});
        loggingIn = gate;
        gate.then(function () { if (loggingIn === gate) loggingIn = null; });
        return promise;
      },
      logout: function () {
        var done = function () { storage.remove(TOKEN_KEY); };
        return send("POST", "/api/v1/auth/logout").then(done, done);
      },
      loggedIn: function () { return Boolean(storage.get(TOKEN_KEY)); },
      /** One file as wx.uploadFile sends it (multipart, field "file"), with the token; the API's file record. */
      upload: function (path, filePath, formData) {
        var headers = {};
        var token = storage.get(TOKEN_KEY);
        if (token) headers.Authorization = "Bearer " + token;
        if (!options.uploader) return Promise.reject(new BanshiError(0, "network", NETWORK_MESSAGE, {}));
        return options.uploader({ url: baseUrl + path, filePath: filePath, name: "file", formData: formData || {},
                                  headers: headers }).then(function (response) {
          var data = response.data;
          if (typeof data === "string") {
            try { data = data ? JSON.parse(data) : null; } catch (e) { data = null; }
          }
          if (response.status === 401) {
            storage.remove(TOKEN_KEY);
            onLoggedOut();
          }
          if (response.status >= 400) throw errorOf(response.status, data);
          return data;
        }, function () { throw new BanshiError(0, "network", NETWORK_MESSAGE, {}); });
      }
    };
  }

  function queryString(query) {
    if (!query) return "";
    var parts = [];
    Object.keys(query).forEach(function (name) {
      var value = query[name];
      if (value !== undefined && value !== null && value !== "") {
        parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(value));
      }
    });
    return parts.length ? "?" + parts.join("&") : "";
  }

  return { createClient: createClient, BanshiError: BanshiError, queryString: queryString, TOKEN_KEY: TOKEN_KEY };
});
