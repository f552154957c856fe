// The sandbox's stand-in for Telegram's telegram-web-app.js: a Mini App opened by the Telegram
// emulator gets its init data (signed by the emulator with the bot's token) and theme in the
// URL's fragment, exactly as Telegram's clients pass them; this script reads them into
// window.Telegram.WebApp, the part of the real object the cabinet uses.
(function () {
  "use strict";
  var hash = new URLSearchParams(location.hash.slice(1));
  // opened outside Telegram (e.g. Viber's signed link): no init data, as with Telegram's script
  var initData = hash.get("tgWebAppData") || "";
  var theme = {};
  try { theme = JSON.parse(hash.get("tgWebAppThemeParams") || "{}"); } catch (e) { theme = {}; }
  var unsafe = {};
  new URLSearchParams(initData).forEach(function (v, k) {
    try { unsafe[k] = (k === "user") ? JSON.parse(v) : v; } catch (e) { unsafe[k] = v; }
  });
  function noop() {}
  window.Telegram = {WebApp: {
    initData: initData, initDataUnsafe: unsafe, themeParams: theme, colorScheme: "light",
    platform: hash.get("tgWebAppPlatform") || "web", version: hash.get("tgWebAppVersion") || "7.0",
    ready: noop, expand: noop, onEvent: noop, offEvent: noop, close: function () { history.back(); },
    openLink: function (url) { window.open(url, "_blank"); },
    MainButton: {show: noop, hide: noop, setText: noop, onClick: noop},
    BackButton: {show: noop, hide: noop, onClick: noop}
  }};
})();
