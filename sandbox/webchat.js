// What the Telegram and Viber web chats share: posting the person's actions, links opened in the
// buyer's phone, and the chat pushed by the emulator (server-sent events), kept scrolled.
window.webchat = (function () {
  "use strict";
  const $ = (id) => document.getElementById(id);

  function esc(s) {
    return String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  }

  // one user-side action (send, tap, contact, ...); the emulator's answer shows as an error
  async function post(action, body) {
    $("error").textContent = "";
    const r = await fetch("chat/api/" + action, {method: "POST", headers: {"Content-Type": "application/json"},
                                                  body: JSON.stringify(body)});
    if (!r.ok) { $("error").textContent = (await r.json()).error || r.statusText; }
  }

  // a bare URL in a message's text becomes a link, as Telegram and Viber make it (into the phone)
  function linkify(node) {
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    const texts = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (!n.parentElement.closest("a")) texts.push(n);
    for (const text of texts) {
      const parts = text.data.split(/(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])/);
      if (parts.length === 1) continue;
      const box = document.createDocumentFragment();
      parts.forEach((part, i) => {
        if (i % 2 === 0) { if (part) box.appendChild(document.createTextNode(part)); return; }
        const a = document.createElement("a");
        a.href = part; a.target = "phone"; a.textContent = part;
        box.appendChild(a);
      });
      text.replaceWith(box);
    }
  }

  // links open in the sandbox's phone pane (a frame named "phone"), or a tab of that name
  function toPhone(url) { window.open(url, "phone"); }

  function askPhone() { return prompt("Share your phone number with the bot:", "+380501234567"); }

  // the emulator pushes the chat whenever it changes: no reload, no polling. `draw(state, log)`
  // fills the log and the keyboard; the log keeps to its newest message unless scrolled up.
  function listen(url, draw) {
    let last = "", shown = 0;
    const source = new EventSource(url);
    source.onmessage = (e) => {
      const state = JSON.parse(e.data);
      const key = JSON.stringify([state.messages, state.keyboard, state.notices, state.menu_button]);
      if (key === last) return;
      const log = $("log");
      const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
      log.innerHTML = "";
      draw(state, log);
      const grew = (state.messages || []).length !== shown;
      shown = (state.messages || []).length;
      if (atBottom || grew || !last) {  // a new message shows, once its picture is in too
        log.scrollTop = log.scrollHeight;
        for (const img of log.querySelectorAll("img")) img.onload = () => { log.scrollTop = log.scrollHeight; };
      }
      last = key;
    };
    return source;
  }

  // the chat's frame: `header` (HTML) above the log, the keyboard and the composer
  function frame(header) {
    document.body.insertAdjacentHTML("afterbegin",
      '<div class="app"><header>' + header + '</header><div id="log"></div><div class="error" id="error"></div>' +
      '<div id="keyboard"></div><form id="composer" autocomplete="off"><input id="text" placeholder="Message" ' +
      'autofocus><button type="submit">Send</button></form></div>');
  }

  function onSubmit(send) {
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = $("text").value;
      if (!text.trim()) return;
      $("text").value = "";
      send(text);
    });
  }

  return {$: $, esc: esc, linkify: linkify, post: post, toPhone: toPhone, askPhone: askPhone, listen: listen, frame: frame,
          onSubmit: onSubmit};
})();
