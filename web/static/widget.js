/*
 * IncluBot chat widget. A city's page embeds it with one element and one script tag:
 *
 *   <div data-inclubot data-city="schaerbeek" data-language="fr"></div>
 *   <script src="https://ASSISTANT-HOST/widget/widget.js" async></script>
 *
 * It talks to Rasa's socket.io channel (bot/channels/socketio.py) and loads nothing but
 * files from the host that served this script: its stylesheet, config.json (the Rasa
 * address, the languages, its texts in every language) and the socket.io client.
 * No cookies: the conversation is kept in sessionStorage (this tab only), so it survives
 * a reload but not closing the tab of a shared computer.
 *
 * Every text that can come from the knowledge base is put on the page as text
 * (textContent, createTextNode), never as HTML.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.src) return;
  const BASE = new URL("./", script.src).href;
  const ACK_TIMEOUT_MS = 60000; // a message the server has not confirmed by then is marked "not sent"
  const LANGUAGE_TELL_DELAY_MS = 800; // keyboard users step through the picker: tell the bot once they stop
  const RECONNECTED_NOTICE_MS = 4000;
  const MAX_STORED_MESSAGES = 200;
  const MAX_MESSAGE_CHARS = 5000; // as the server (bot/channels/message_guard.py)
  const CHOOSE_LANGUAGE = /^\/choose_language(\{.*\})$/;

  // ---- small DOM helpers: attributes and text only, never HTML --------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  // URLs, e-mail addresses and international phone numbers become links; the rest stays text.
  const LINKABLE = /(https?:\/\/[^\s<>"']*[^\s<>"'.,;:!?)\]}])|([\w.+-]+@[\w-]+(?:\.[\w-]+)+)|(\+\d[\d ()./-]{5,}\d)/g;

  function linkify(text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(LINKABLE)) {
      const [whole, url, email, phone] = match;
      const href = url ? safeWebUrl(url) : email ? `mailto:${email}` : `tel:${phone.replace(/[^\d+]/g, "")}`;
      if (!href) continue;
      fragment.append(text.slice(last, match.index));
      const attributes = { href };
      if (url) Object.assign(attributes, { target: "_blank", rel: "noopener noreferrer" });
      fragment.append(el("a", attributes, whole));
      last = match.index + whole.length;
    }
    fragment.append(text.slice(last));
    return fragment;
  }

  // A drawn globe: understood without reading, and no emoji font needed.
  function globeIcon() {
    const SVG = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(SVG, "svg");
    for (const [name, value] of Object.entries({ viewBox: "0 0 24 24", width: "22", height: "22", class: "globe", "aria-hidden": "true", focusable: "false" })) {
      svg.setAttribute(name, value);
    }
    const shapes = [
      ["circle", { cx: "12", cy: "12", r: "9.5" }],
      ["path", { d: "M2.5 12h19M12 2.5c3 3.2 3 15.8 0 19M12 2.5c-3 3.2-3 15.8 0 19M4.5 6.5h15M4.5 17.5h15" }],
    ];
    for (const [tag, attributes] of shapes) {
      const shape = document.createElementNS(SVG, tag);
      for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, value);
      svg.append(shape);
    }
    return svg;
  }

  // The language of a button like /choose_language{"language_choice": "fr"}, else null.
  function chosenLanguage(payload) {
    const match = CHOOSE_LANGUAGE.exec(payload || "");
    try {
      return match ? JSON.parse(match[1]).language_choice : null;
    } catch (error) {
      return null;
    }
  }

  function mark(name) {
    if (window.performance && performance.mark && !performance.getEntriesByName(name).length) performance.mark(name);
  }

  function safeWebUrl(candidate) {
    try {
      const url = new URL(candidate);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  // ---- the conversation kept across reloads --------------------------------------------

  class Store {
    constructor(key) {
      this.key = key;
      const saved = this.read();
      this.sessionId = saved.sessionId || null;
      this.language = saved.language || null; // chosen in the picker (or with a language button)
      this.toldLanguage = saved.toldLanguage || null; // the last choice the bot was told about
      this.messages = Array.isArray(saved.messages) ? saved.messages : [];
      for (const message of this.messages) {
        if (message.state === "sending") message.state = "queued"; // the page went away before the server confirmed
      }
      this.nextId = saved.nextId || 1;
    }

    read() {
      try {
        return JSON.parse(window.sessionStorage.getItem(this.key) || "{}") || {};
      } catch (error) {
        return {}; // storage blocked or corrupt: start afresh
      }
    }

    save() {
      this.messages = this.messages.slice(-MAX_STORED_MESSAGES);
      const { sessionId, language, toldLanguage, messages, nextId } = this;
      try {
        window.sessionStorage.setItem(this.key, JSON.stringify({ sessionId, language, toldLanguage, messages, nextId }));
      } catch (error) {
        // storage blocked or full: the conversation still works, it just won't survive a reload
      }
    }

    add(message) {
      message.id = this.nextId++;
      this.messages.push(message);
      this.save();
      return message;
    }
  }

  // ---- the widget ------------------------------------------------------------------------

  class ChatWidget {
    constructor(host, config, loadSocketIo) {
      this.host = host;
      this.config = config;
      this.languages = new Map(config.languages.map((language) => [language.code, language]));
      this.city = config.cities[host.dataset.city] ? host.dataset.city : null;
      this.pageLanguage = this.knownLanguage(host.dataset.language) || this.knownLanguage(document.documentElement.lang) || "en";
      this.store = new Store(`inclubot:${this.city || "no-city"}`);
      if (!this.languages.has(this.store.language)) this.store.language = null;
      this.connection = "connecting"; // connecting | online | offline
      this.wasOffline = false;
      this.ready = false; // connected and the session confirmed: messages can go
      this.nodes = new Map(); // message id -> its element in the log
      this.tellTimer = null;
      this.build();
      this.restore();
      this.attach();
      loadSocketIo.then((io) => this.connect(io), () => this.setConnection("offline"));
    }

    knownLanguage(code) {
      const short = (code || "").toLowerCase().split("-")[0];
      return this.languages.has(short) ? short : null;
    }

    get language() {
      return this.store.language || this.pageLanguage;
    }

    t(key) {
      return (this.config.texts[this.language] || this.config.texts.en)[key];
    }

    // -- building the interface --

    build() {
      const id = (name) => `inclubot-${name}`;
      this.title = el("h2", { class: "title", id: id("title") });
      this.languageLabel = el("label", { for: id("language"), class: "visually-hidden" });
      this.picker = el("select", { id: id("language"), class: "picker" });
      for (const language of this.config.languages) {
        this.picker.append(el("option", { value: language.code, lang: language.code, dir: language.rtl ? "rtl" : "ltr" }, language.name));
      }
      this.picker.addEventListener("change", () => this.chooseLanguage(this.picker.value));
      const globe = globeIcon();
      this.status = el("p", { class: "status", role: "status", "aria-live": "polite" });
      this.log = el("div", { class: "log", role: "log", "aria-live": "polite", tabindex: "0" });
      // Stay at the end when the log is resized (phone keyboard, rotation) if the user was there.
      this.atEnd = true;
      this.log.addEventListener("scroll", () => {
        this.atEnd = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 24;
      });
      if (window.ResizeObserver) new ResizeObserver(() => this.atEnd && this.scrollToEnd()).observe(this.log);
      this.input = el("textarea", {
        id: id("input"), class: "input", rows: "1", maxlength: String(MAX_MESSAGE_CHARS),
        autocomplete: "off", enterkeyhint: "send",
      });
      this.inputLabel = el("label", { for: id("input"), class: "visually-hidden" });
      this.sendButton = el("button", { type: "submit", class: "send" });
      this.form = el("form", { class: "composer" }, this.inputLabel, this.input, this.sendButton);
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.sendTyped();
      });
      this.input.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          this.sendTyped();
        }
      });
      this.input.addEventListener("input", () => this.fitInput());
      this.forgetButton = el("button", { type: "button", class: "forget" });
      this.forgetButton.addEventListener("click", () => this.forget());
      this.panel = el("section", { class: "chat", "aria-labelledby": id("title") },
        el("header", { class: "header" }, this.title, el("span", { class: "language" }, globe, this.languageLabel, this.picker), this.forgetButton),
        this.status, this.log, this.form);
      this.applyLanguage();
    }

    // Into the page once the history is in place, so that a screen reader does not read the
    // whole conversation again after a reload; shown once its stylesheet is there.
    attach() {
      const root = this.host.shadowRoot || this.host.attachShadow({ mode: "open" });
      const style = el("link", { rel: "stylesheet", href: `${BASE}widget.css` });
      const show = () => {
        this.panel.hidden = false;
        this.scrollToEnd();
        mark("inclubot-shown"); // for bench/widget_weight.py and site owners' own measurements
      };
      style.addEventListener("load", show);
      style.addEventListener("error", show);
      this.panel.hidden = true;
      root.replaceChildren(style, this.panel);
      this.root = root;
    }

    applyLanguage() {
      const language = this.language;
      const rtl = this.languages.get(language).rtl;
      this.panel.setAttribute("lang", language);
      this.panel.setAttribute("dir", rtl ? "rtl" : "ltr");
      const cityName = this.city ? this.config.cities[this.city] : null;
      this.title.replaceChildren(this.t("title"));
      if (cityName) this.title.append(el("span", { class: "separator" }, " · "), el("span", { class: "city" }, cityName));
      this.languageLabel.textContent = this.t("language");
      this.picker.value = language;
      this.log.setAttribute("aria-label", this.t("conversation"));
      this.inputLabel.textContent = this.t("input");
      this.input.placeholder = this.t("placeholder");
      this.sendButton.textContent = this.t("send");
      this.forgetButton.textContent = this.t("forget");
      for (const [id, node] of this.nodes) this.renderState(this.findMessage(id), node);
      this.renderWelcome();
      this.showConnection();
    }

    // -- the log --

    restore() {
      this.renderWelcome();
      for (const message of this.store.messages) {
        if (!message.hidden) this.log.append(this.renderMessage(message));
      }
    }

    // The welcome is the bot's greeting in the widget's language, drawn here: it costs no
    // round trip and shows the topics as soon as the page is there.
    renderWelcome() {
      const started = this.store.messages.some((message) => message.from === "user");
      const welcome = el("div", { class: "item bot welcome" },
        el("div", { class: "bubble", dir: "auto" }, el("span", { class: "visually-hidden" }, `${this.t("bot")} `), this.t("greet")));
      if (!started) welcome.append(this.renderReplies(this.t("themes")));
      if (this.welcome) this.welcome.replaceWith(welcome);
      else this.log.prepend(welcome);
      this.welcome = welcome;
    }

    renderMessage(message) {
      const item = el("div", { class: `item ${message.from}` });
      const who = el("span", { class: "visually-hidden" }, `${this.t(message.from === "user" ? "you" : "bot")} `);
      item.append(el("div", { class: "bubble", dir: "auto" }, who, linkify(message.text)));
      if (message.from === "bot" && message.replies && message.replies.length) item.append(this.renderReplies(message.replies));
      if (message.from === "user") {
        item.append(el("div", { class: "state" }));
        this.nodes.set(message.id, item);
        this.renderState(message, item);
      }
      return item;
    }

    renderReplies(replies) {
      const group = el("div", { class: "replies", role: "group", "aria-label": this.t("suggestions") });
      for (const reply of replies) {
        const button = el("button", { type: "button", class: "reply", dir: "auto" }, reply.title);
        button.addEventListener("click", () => this.sendReply(reply));
        group.append(button);
      }
      return group;
    }

    renderState(message, item) {
      if (!message || !item) return;
      const state = item.querySelector(".state");
      const shown = this.stateText(message.state);
      item.classList.toggle("unsent", message.state === "queued" || message.state === "failed");
      if (state.dataset.shown === `${message.state}:${shown}:${this.language}`) return;
      state.dataset.shown = `${message.state}:${shown}:${this.language}`;
      state.replaceChildren();
      if (shown) state.append(el("span", {}, shown));
      if (message.state === "failed") {
        const retry = el("button", { type: "button", class: "retry" }, this.t("retry"));
        retry.addEventListener("click", () => {
          message.state = "queued";
          this.store.save();
          this.renderState(message, item);
          this.input.focus();
          this.flush();
        });
        state.append(" ", retry);
      }
    }

    stateText(state) {
      if (state === "failed") return this.t("not_sent");
      if (state === "queued") return this.connection === "offline" ? this.t("pending") : this.t("sending");
      if (state === "sending") return this.t("sending");
      return "";
    }

    findMessage(id) {
      return this.store.messages.find((message) => message.id === id);
    }

    clearReplies() {
      const hadFocus = this.log.contains(this.root && this.root.activeElement);
      for (const group of this.log.querySelectorAll(".replies")) group.remove();
      for (const message of this.store.messages) delete message.replies;
      if (hadFocus) this.input.focus(); // the clicked button is gone: keep the keyboard in the chat
    }

    scrollToEnd() {
      this.log.scrollTop = this.log.scrollHeight;
      this.atEnd = true;
    }

    // A reply is read from its start: its first message goes to the top of the log (and the
    // next ones flow below it), rather than the end of a long answer.
    showReplyStart(item) {
      this.log.scrollTop = item.offsetTop - 8;
    }

    fitInput() {
      this.input.style.height = "auto";
      this.input.style.height = `${Math.min(this.input.scrollHeight, 160)}px`;
    }

    // -- what the user sends --

    metadata(extra) {
      const metadata = { language_hint: this.language, ...extra };
      if (this.city) metadata.city = this.city;
      return metadata;
    }

    sendTyped() {
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.fitInput();
      this.send({ text, payload: text, metadata: this.metadata() });
    }

    sendReply(reply) {
      const code = chosenLanguage(reply.payload);
      let extra = {};
      if (code && this.languages.has(code)) {
        // A language button of the bot: the widget follows, and the bot need not be told twice.
        this.store.language = this.store.toldLanguage = code;
        extra = { language: code };
        this.applyLanguage();
      }
      this.send({ text: reply.title, payload: reply.payload, metadata: this.metadata(extra) });
    }

    chooseLanguage(code) {
      if (!this.languages.has(code)) return;
      this.store.language = code;
      this.store.save();
      this.applyLanguage();
      clearTimeout(this.tellTimer);
      this.tellTimer = setTimeout(() => {
        if (this.store.language === this.store.toldLanguage) return;
        this.store.toldLanguage = this.store.language;
        // The bot's own way to change language (intent choose_language); it answers in it.
        const payload = `/choose_language${JSON.stringify({ language_choice: this.store.language })}`;
        this.send({ text: "", payload, hidden: true, metadata: this.metadata({ language: this.store.language }) });
      }, LANGUAGE_TELL_DELAY_MS);
    }

    send({ text, payload, metadata, hidden = false }) {
      if (!hidden) this.clearReplies();
      const message = this.store.add({ from: "user", text, payload, metadata, hidden, state: "queued" });
      if (!hidden) {
        this.log.append(this.renderMessage(message));
        this.scrollToEnd();
      }
      this.flush();
    }

    flush() {
      if (!this.ready) return;
      for (const message of this.store.messages) {
        if (message.from === "user" && message.state === "queued") this.emit(message);
      }
    }

    emit(message) {
      this.turnsOpen = (this.turnsOpen || 0) + 1; // the server acknowledges once it has answered
      message.state = "sending";
      this.store.save();
      this.renderState(message, this.nodes.get(message.id));
      const data = { message: message.payload, session_id: this.store.sessionId, metadata: message.metadata };
      this.socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", data, (error, answer) => {
        this.turnsOpen = Math.max(0, this.turnsOpen - 1);
        if (!error && answer && answer.ok) {
          message.state = "sent";
        } else if (error && !this.socket.connected) {
          message.state = "queued"; // cut off before the server confirmed: sent again when back
        } else {
          message.state = message.hidden ? "queued" : "failed";
        }
        this.store.save();
        this.renderState(message, this.nodes.get(message.id));
      });
    }

    // "Delete my conversation": the server deletes it (and any ticket to staff), then this
    // tab's copy goes and a new conversation starts.
    forget() {
      if (!this.ready) return;
      const data = { message: "/forget", session_id: this.store.sessionId, metadata: this.metadata() };
      this.socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", data, (error, answer) => {
        if (error || !answer || !answer.forgotten) return;
        this.store.messages = [];
        this.store.sessionId = null;
        this.nodes.clear();
        this.log.replaceChildren();
        this.welcome = null;
        this.renderWelcome();
        this.log.append(this.renderMessage(this.store.add({ from: "bot", text: this.t("forgotten"), replies: [] })));
        this.ready = false;
        this.socket.emit("session_request", { session_id: null });
      });
    }

    // -- what the bot sends --

    receive(reply) {
      if (!reply || typeof reply.text !== "string" || !reply.text.trim()) return; // images, custom payloads: not used
      const replies = Array.isArray(reply.quick_replies)
        ? reply.quick_replies.filter((r) => r && typeof r.title === "string" && typeof r.payload === "string")
          .map(({ title, payload }) => ({ title, payload }))
        : [];
      const message = this.store.add({ from: "bot", text: reply.text, replies });
      const item = this.renderMessage(message);
      this.log.append(item);
      const previous = this.store.messages[this.store.messages.length - 2];
      // A message that comes on its own, outside a turn (a staff member's answer), is
      // brought into view too.
      const unprompted = !this.turnsOpen;
      if ((previous && previous.from === "user") || unprompted) this.showReplyStart(item);
    }

    // -- the connection --

    connect(io) {
      this.socket = io(this.config.socket_url, {
        path: this.config.socket_path,
        transports: ["websocket"], // Rasa's socket.io server sends no CORS headers, so no HTTP polling
        reconnectionDelay: 1000,
        reconnectionDelayMax: 5000,
        timeout: 10000,
      });
      this.socket.on("connect", () => this.socket.emit("session_request", { session_id: this.store.sessionId }));
      this.socket.on("session_confirm", (sessionId) => {
        if (typeof sessionId === "string" && sessionId !== this.store.sessionId) {
          this.store.sessionId = sessionId;
          this.store.save();
        }
        this.ready = true;
        mark("inclubot-connected");
        this.setConnection("online");
        this.flush();
      });
      this.socket.on("bot_uttered", (reply) => this.receive(reply));
      this.socket.on("connect_error", () => this.setConnection("offline"));
      this.socket.on("disconnect", (reason) => {
        this.ready = false;
        this.setConnection("offline");
        if (reason === "io server disconnect") this.socket.connect(); // the server closed it: ask again
      });
    }

    setConnection(state) {
      if (state === "offline") this.wasOffline = true;
      this.connection = state;
      this.showConnection();
      for (const [id, node] of this.nodes) this.renderState(this.findMessage(id), node);
      if (state === "online" && this.wasOffline) {
        this.wasOffline = false;
        this.status.textContent = this.t("reconnected");
        this.status.className = "status reconnected";
        clearTimeout(this.noticeTimer);
        this.noticeTimer = setTimeout(() => this.showConnection(), RECONNECTED_NOTICE_MS);
      }
    }

    showConnection() {
      const text = { connecting: this.t("connecting"), offline: this.t("offline"), online: "" }[this.connection];
      this.status.textContent = text;
      this.status.className = `status ${this.connection}`;
    }
  }

  // ---- start --------------------------------------------------------------------------

  async function loadConfig() {
    for (let delay = 1000; ; delay = Math.min(delay * 2, 30000)) {
      try {
        const response = await fetch(`${BASE}config.json`, { credentials: "omit" });
        if (response.ok) return await response.json();
      } catch (error) {
        // the assistant's host is unreachable: try again
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async function start() {
    const hosts = document.querySelectorAll("[data-inclubot]");
    if (!hosts.length) return;
    const loadSocketIo = import(`${BASE}socket.io.esm.min.js`).then((module) => module.io);
    const config = await loadConfig();
    for (const host of hosts) {
      if (!host.inclubot) host.inclubot = new ChatWidget(host, config, loadSocketIo);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
