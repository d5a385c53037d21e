/* govsim class: shared helpers for the join, role and teacher pages. Plain JavaScript, no library,
   nothing fetched from outside (works in WeChat's built-in browser). */
var GS = (function () {
  var B = window.BOOT || {lang: "zh", words: {}};
  var lang = (window.localStorage && localStorage.getItem("govsim-lang")) || B.lang || "zh";
  function tr(key, fmt) {
    var e = B.words[key];
    var s = e ? (e[lang] || e.en) : key;
    if (fmt) { for (var k in fmt) { s = s.split("{" + k + "}").join(String(fmt[k])); } }
    return s;
  }
  function setLang(l) { lang = l; try { localStorage.setItem("govsim-lang", l); } catch (e) {} }
  function getLang() { return lang; }
  function nonce() {
    var a = new Uint8Array(12), s = "";
    if (window.crypto && crypto.getRandomValues) { crypto.getRandomValues(a); }
    else { for (var i = 0; i < a.length; i++) { a[i] = Math.floor(Math.random() * 256); } }
    for (var j = 0; j < a.length; j++) { s += ("0" + a[j].toString(16)).slice(-2); }
    return s;
  }
  function api(method, path, body, headers, done) {
    var x = new XMLHttpRequest();
    x.open(method, path, true);
    x.timeout = 10000;
    x.setRequestHeader("Content-Type", "application/json");
    for (var h in (headers || {})) { x.setRequestHeader(h, headers[h]); }
    x.onload = function () {
      var data = null;
      try { data = JSON.parse(x.responseText); } catch (e) { data = {ok: false, why: "why_malformed"}; }
      done(x.status, data);
    };
    x.onerror = x.ontimeout = function () { done(0, null); };
    x.send(body ? JSON.stringify(body) : null);
  }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in (attrs || {})) {
      if (k === "text") { e.textContent = attrs[k]; }
      else if (k === "cls") { e.className = attrs[k]; }
      else if (k.slice(0, 2) === "on") { e.addEventListener(k.slice(2), attrs[k]); }
      else { e.setAttribute(k, attrs[k]); }
    }
    (kids || []).forEach(function (c) { if (c) { e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return e;
  }
  function pct(x) { return x === null || x === undefined ? "–" : Math.round(x * 100) + "%"; }
  function envColour(v) {  /* red (poor) to green (good), as the demo's map */
    var r = Math.round(215 - 170 * v), g = Math.round(60 + 140 * v);
    return "rgb(" + r + "," + g + ",70)";
  }
  return {tr: tr, setLang: setLang, getLang: getLang, nonce: nonce, api: api, el: el, pct: pct, envColour: envColour, boot: B};
})();
