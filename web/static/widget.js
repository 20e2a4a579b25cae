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
 *
 * An answer comes as a card (the `custom.card` of a reply, replies/cards.py): the name in
 * bold, a line or two, then call (tel:), map, website and "more". On a phone the widget
 * fills the screen below its place on the page, so the input is visible without scrolling;
 * with data-mode="launcher" it is a round button that opens the chat full-screen.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.src) return;
  const BASE = new URL("./", script.src).href;
  const SPEECH_URL = new URL("../api/speech", BASE).href; // the web app that serves the widget
  const FEEDBACK_URL = new URL("../api/feedback", BASE).href;
  const ACK_TIMEOUT_MS = 60000; // a message the server has not confirmed by then is marked "not sent"
  const LANGUAGE_TELL_DELAY_MS = 800; // keyboard users step through the picker: tell the bot once they stop
  const RECONNECTED_NOTICE_MS = 4000;
  const MAX_STORED_MESSAGES = 200;
  const MAX_MESSAGE_CHARS = 5000; // as the server (bot/channels/message_guard.py)
  const CHOOSE_LANGUAGE = /^\/choose_language(\{.*\})$/;
  const INFORM_CITY = /^\/inform_city(\{.*\})$/;
  const PHONE_WIDTH = 420; // px: at most this wide, the widget takes the height of the screen
  const MENU = [ // [text key, what it does]: the five of Telegram's commands, and /forget
    ["menu_topics", "/help"], ["menu_city", "city"], ["menu_language", "/choose_language"],
    ["menu_person", "/ask_human"], ["menu_restart", "restart"],
    ["forget", "forget"], // the widget's own: deletes the conversation on the server too
  ];

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

  // Drawn icons: understood without reading, and no emoji font needed (phones may lack one).
  function icon(name, shapes) {
    const SVG = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(SVG, "svg");
    for (const [key, value] of Object.entries({ viewBox: "0 0 24 24", width: "22", height: "22", class: `icon ${name}`, "aria-hidden": "true", focusable: "false" })) {
      svg.setAttribute(key, value);
    }
    for (const [tag, attributes] of shapes) {
      const shape = document.createElementNS(SVG, tag);
      for (const [name, value] of Object.entries(attributes)) shape.setAttribute(name, value);
      svg.append(shape);
    }
    return svg;
  }

  const globeIcon = () => icon("globe", [
    ["circle", { cx: "12", cy: "12", r: "9.5" }],
    ["path", { d: "M2.5 12h19M12 2.5c3 3.2 3 15.8 0 19M12 2.5c-3 3.2-3 15.8 0 19M4.5 6.5h15M4.5 17.5h15" }],
  ]);
  const speakerIcon = () => icon("speaker", [
    ["path", { d: "M3 9.5h4l5-4v13l-5-4H3z" }],
    ["path", { d: "M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13" }],
  ]);
  const sendIcon = () => icon("arrow", [["path", { d: "M4 12h14M12 5l7 7-7 7" }]]);

  // The value of a button's entity, e.g. "fr" of /choose_language{"language_choice": "fr"}, else null.
  function entityOf(pattern, name, payload) {
    const match = pattern.exec(payload || "");
    try {
      return match ? JSON.parse(match[1])[name] : null;
    } catch (error) {
      return null;
    }
  }

  function chosenLanguage(payload) {
    return entityOf(CHOOSE_LANGUAGE, "language_choice", payload);
  }

  function clockTime(at, language) {
    try {
      return new Date(at).toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
    } catch (error) {
      return "";
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
      this.city = saved.city || null; // chosen in the menu, instead of the page's
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
      const { sessionId, city, language, toldLanguage, messages, nextId } = this;
      try {
        window.sessionStorage.setItem(this.key, JSON.stringify({ sessionId, city, language, toldLanguage, messages, nextId }));
      } catch (error) {
        // storage blocked or full: the conversation still works, it just won't survive a reload
      }
    }

    // Start over: a new conversation (the server gives a new session id), nothing kept.
    clear() {
      Object.assign(this, { sessionId: null, city: null, messages: [], nextId: 1 });
      this.save();
    }

    add(message) {
      message.id = this.nextId++;
      message.at = Date.now();
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
      this.pageCity = config.cities[host.dataset.city] ? host.dataset.city : null;
      this.launcher = host.dataset.mode === "launcher";
      this.pageLanguage = this.knownLanguage(host.dataset.language) || this.knownLanguage(document.documentElement.lang) || "en";
      this.store = new Store(`inclubot:${this.pageCity || "no-city"}`);
      if (!this.languages.has(this.store.language)) this.store.language = null;
      if (!config.cities[this.store.city]) this.store.city = null;
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

    get city() {
      return this.store.city || this.pageCity;
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
      this.menuButton = el("button", { type: "button", class: "menu-button", "aria-expanded": "false", "aria-controls": id("menu") });
      this.menuButton.addEventListener("click", () => this.toggleMenu());
      this.menu = el("ul", { class: "menu", id: id("menu"), hidden: true });
      this.menu.addEventListener("keydown", (event) => this.menuKey(event));
      this.closeButton = this.launcher ? el("button", { type: "button", class: "close" }, "×") : null;
      if (this.closeButton) this.closeButton.addEventListener("click", () => this.openLauncher(false));
      this.panel = el("section", { class: "chat", "aria-labelledby": id("title") },
        el("header", { class: "header" }, this.menuButton, this.title,
          el("span", { class: "language" }, globe, this.languageLabel, this.picker), this.closeButton),
        this.menu, this.status, this.log, this.form);
      if (this.launcher) {
        this.launchButton = el("button", { type: "button", class: "launch", "aria-expanded": "false" });
        this.launchButton.addEventListener("click", () => this.openLauncher(true));
        this.panel.classList.add("full-screen");
      }
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
      root.replaceChildren(style, ...(this.launcher ? [this.launchButton] : []), this.panel);
      this.root = root;
      if (this.launcher) {
        this.launchButton.hidden = true; // shown with the stylesheet, closed
        style.addEventListener("load", () => this.openLauncher(false));
        style.addEventListener("error", () => this.openLauncher(false));
      }
      this.fitToScreen();
      window.addEventListener("resize", () => this.fitToScreen());
      // The page can still move the chat down once it has started (its fonts, images and late
      // styles, slow on a cheap phone; seen on a busy test machine): measured again then.
      if (window.ResizeObserver) new ResizeObserver(() => this.fitToScreen()).observe(document.body);
    }

    // On a phone, the chat takes the screen's height below its place on the page, so that
    // the input is visible without scrolling (a fixed height could push it below the fold).
    fitToScreen() {
      if (this.launcher || window.innerWidth > PHONE_WIDTH) {
        this.panel.style.removeProperty("height");
        return;
      }
      const top = this.host.getBoundingClientRect().top + window.scrollY;
      const height = Math.max(256, window.innerHeight - Math.max(0, top) - 8); // 16 em at least
      this.panel.style.height = `${Math.min(height, window.innerHeight)}px`;
    }

    openLauncher(open) {
      this.panel.hidden = !open;
      this.launchButton.hidden = open;
      this.launchButton.setAttribute("aria-expanded", String(open));
      if (open) {
        this.scrollToEnd();
        this.input.focus();
      } else if (this.root.activeElement) {
        this.launchButton.focus();
      }
    }

    // -- the menu (the same five things as Telegram's commands) --

    toggleMenu(open = this.menu.hidden) {
      this.menu.hidden = !open;
      this.menuButton.setAttribute("aria-expanded", String(open));
      if (open) this.menu.querySelector("button").focus();
    }

    menuKey(event) {
      const items = [...this.menu.querySelectorAll("button")];
      const at = items.indexOf(this.root.activeElement);
      if (event.key === "Escape") {
        this.toggleMenu(false);
        this.menuButton.focus();
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        items[(at + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length].focus();
      }
    }

    renderMenu() {
      this.menuButton.replaceChildren(el("span", { "aria-hidden": "true" }, "☰ "), this.t("menu_open"));
      this.menu.replaceChildren(...MENU.map(([key, action]) => {
        const button = el("button", { type: "button", class: action === "forget" ? "forget" : null }, this.t(key));
        button.addEventListener("click", () => this.fromMenu(key, action));
        return el("li", {}, button);
      }));
    }

    fromMenu(key, action) {
      this.toggleMenu(false);
      this.input.focus();
      if (action === "restart") return this.restart();
      if (action === "forget") return this.forget();
      if (action === "city") return this.askCity();
      this.send({ text: this.t(key), payload: action, metadata: this.metadata() });
    }

    // The cities are known here: asked without a round trip.
    askCity() {
      this.clearReplies();
      const replies = Object.entries(this.config.cities).map(([city, name]) => ({ title: name, payload: `/inform_city${JSON.stringify({ city })}` }));
      const message = this.store.add({ from: "bot", text: this.t("ask_city"), replies, caption: true });
      this.log.append(this.renderMessage(message));
      this.scrollToEnd();
    }

    restart() {
      this.store.clear();
      this.nodes.clear();
      this.log.replaceChildren();
      this.welcome = null;
      this.renderWelcome();
      this.ready = false;
      if (this.socket && this.socket.connected) this.socket.emit("session_request", { session_id: null });
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
      this.sendButton.replaceChildren(sendIcon(), el("span", { class: "send-label" }, this.t("send")));
      this.sendButton.setAttribute("aria-label", this.t("send"));
      this.renderMenu();
      if (this.closeButton) this.closeButton.setAttribute("aria-label", this.t("close"));
      if (this.launchButton) {
        this.launchButton.replaceChildren(el("span", { "aria-hidden": "true" }, "💬"), el("span", { class: "visually-hidden" }, this.t("open")));
      }
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
      if (message.card) {
        item.classList.add("with-card");
        item.append(this.renderCard(message.card, message.text, who));
      } else {
        item.append(el("div", { class: "bubble", dir: "auto" }, who, linkify(message.text)));
      }
      if (message.caption) item.classList.add("caption");
      const foot = el("div", { class: "foot" });
      if (message.at) foot.append(el("time", { class: "time", datetime: new Date(message.at).toISOString() }, clockTime(message.at, this.language)));
      if (message.from === "bot") foot.append(this.listenButton(message.text));
      item.append(foot);
      if (message.from === "bot" && message.replies && message.replies.length) item.append(this.renderReplies(message.replies));
      if (message.from === "user") {
        item.append(el("div", { class: "state" }));
        this.nodes.set(message.id, item);
        this.renderState(message, item);
      }
      return item;
    }

    // -- reading aloud: the web app synthesises (POST /api/speech), the browser plays --

    listenButton(text) {
      const button = el("button", { type: "button", class: "listen", "aria-label": this.t("listen"), title: this.t("listen") }, speakerIcon());
      button.addEventListener("click", () => this.readAloud(text, button));
      return button;
    }

    async readAloud(text, button) {
      if (this.playing) this.playing.pause();
      button.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(SPEECH_URL, {
          method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ text: text.slice(0, 1500), language: this.language }),
        });
        if (!response.ok) throw new Error(String(response.status));
        const url = URL.createObjectURL(await response.blob());
        this.playing = new Audio(url);
        this.playing.addEventListener("ended", () => URL.revokeObjectURL(url));
        button.dataset.state = "ready";
        await this.playing.play();
        button.dataset.state = "playing";
      } catch (error) {
        button.dataset.state = button.dataset.state === "ready" ? "ready" : "failed"; // a browser may refuse to play without sound output
      } finally {
        button.removeAttribute("aria-busy");
      }
    }

    // -- cards: text only from the knowledge base, links only of known kinds --

    renderCard(card, text, who) {
      const labels = card.labels || {};
      const phones = Array.isArray(card.phones) ? card.phones.filter((p) => p && /^\+?\d{2,15}$/.test(p.tel || "")) : [];
      if (card.kind === "emergency") {
        const call = phones[0] || { tel: "112", label: "112" };
        return el("div", { class: "card emergency", role: "alert" }, who,
          el("a", { class: "call-112", href: `tel:${call.tel}` }, el("span", { "aria-hidden": "true" }, "☎ "), call.label || call.tel),
          el("p", { dir: "auto" }, text));
      }
      if (card.kind === "numbers") {
        return el("div", { class: "card numbers" }, who, el("strong", { class: "name", dir: "auto" }, card.name || ""),
          el("ul", {}, ...phones.map((p) => el("li", {},
            el("a", { class: "action call", href: `tel:${p.tel}` }, el("span", { "aria-hidden": "true" }, "☎ "), p.number),
            " ", el("span", { dir: "auto" }, p.label || "")))));
      }
      if (card.kind !== "service") return el("div", { class: "bubble", dir: "auto" }, who, linkify(text));
      const actions = el("div", { class: "actions" });
      for (const phone of phones) {
        actions.append(el("a", { class: "action call", href: `tel:${phone.tel}` }, el("span", { "aria-hidden": "true" }, "☎ "), `${labels.call || ""} ${phone.number}`.trim()));
      }
      for (const key of ["map", "website"]) {
        const href = safeWebUrl(card[key] || "");
        if (href) actions.append(el("a", { class: `action ${key}`, href, target: "_blank", rel: "noopener noreferrer" }, labels[key] || key));
      }
      if (card.email && /^[^\s@<>]+@[^\s@<>]+$/.test(card.email)) {
        actions.append(el("a", { class: "action email", href: `mailto:${card.email}` }, labels.email || card.email));
      }
      const box = el("div", { class: "card service", dir: "auto" }, who, el("strong", { class: "name" }, card.name || ""));
      if (card.summary) box.append(el("p", { class: "summary" }, card.summary));
      const meta = [card.distance, card.open].filter(Boolean).join(" · ");
      if (meta) box.append(el("p", { class: "meta" }, meta));
      if (actions.childElementCount) box.append(actions);
      const details = Array.isArray(card.details) ? card.details.filter((d) => typeof d === "string") : [];
      if (details.length) {
        box.append(el("details", { class: "more" }, el("summary", {}, labels.more || "…"), ...details.map((d) => el("p", {}, linkify(d)))));
      }
      if (card.feedback && typeof card.feedback === "object") box.append(this.renderVote(card.feedback));
      return box;
    }

    // Thumbs up / down: counted per city, category and language; nothing about the person.
    renderVote({ city, category }) {
      const row = el("div", { class: "vote", role: "group", "aria-label": `${this.t("feedback_up")} / ${this.t("feedback_down")}` });
      for (const [helpful, key, mark] of [[true, "feedback_up", "✓"], [false, "feedback_down", "✗"]]) {
        const button = el("button", { type: "button", class: helpful ? "up" : "down" }, el("span", { "aria-hidden": "true" }, `${mark} `), this.t(key));
        button.addEventListener("click", () => {
          fetch(FEEDBACK_URL, {
            method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ city, category, language: this.language, helpful }),
          }).catch(() => {}); // a lost vote is not worth bothering the person about
          row.replaceChildren(el("span", { class: "thanks", role: "status" }, this.t("feedback_thanks")));
        });
        row.append(button);
      }
      return row;
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
      // A caption ("Related topics:") means nothing without its buttons: it goes with them.
      for (const item of this.log.querySelectorAll(".item.caption")) item.remove();
      this.store.messages = this.store.messages.filter((message) => !message.caption);
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
      const city = entityOf(INFORM_CITY, "city", reply.payload);
      if (city && this.config.cities[city]) {
        this.store.city = city; // the city chosen here, from now on, rather than the page's
        this.applyLanguage();
      }
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
      this.showTyping(true);
      this.store.save();
      this.renderState(message, this.nodes.get(message.id));
      const data = { message: message.payload, session_id: this.store.sessionId, metadata: message.metadata };
      const languageWhenSent = this.language;
      this.socket.timeout(ACK_TIMEOUT_MS).emit("user_uttered", data, (error, answer) => {
        this.turnsOpen = Math.max(0, this.turnsOpen - 1);
        if (!message.hidden || message.state === "sending") this.showTyping(false);
        if (!error && answer && answer.ok) {
          message.state = "sent";
          // A language picked while this message was on its way is the person's latest
          // word: the answer's (older) language must not undo it.
          if (this.language === languageWhenSent) this.follow(answer.language);
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

    // The person switched language by writing ("can you speak Arabic?"): the bot answers in
    // it, and the widget follows (picker, lang, dir) without telling the bot again.
    follow(language) {
      if (!this.languages.has(language) || language === this.language) return;
      this.store.language = this.store.toldLanguage = language;
      this.store.save();
      this.applyLanguage();
    }

    showTyping(on) {
      if (this.typing) this.typing.remove();
      this.typing = null;
      if (!on) return;
      this.typing = el("div", { class: "item bot typing", role: "status" },
        el("div", { class: "bubble" }, el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
          el("span", { class: "visually-hidden" }, this.t("typing"))));
      this.log.append(this.typing);
      if (this.atEnd) this.scrollToEnd();
    }

    // -- what the bot sends --

    receive(reply) {
      if (!reply || typeof reply.text !== "string" || !reply.text.trim()) return; // images, bare custom payloads: not used
      const replies = Array.isArray(reply.quick_replies)
        ? reply.quick_replies.filter((r) => r && typeof r.title === "string" && typeof r.payload === "string")
          .map(({ title, payload }) => ({ title, payload }))
        : [];
      const custom = reply.custom && typeof reply.custom === "object" ? reply.custom : {};
      const message = { from: "bot", text: reply.text, replies };
      if (custom.card && typeof custom.card === "object") message.card = custom.card;
      if (custom.caption === true && replies.length) message.caption = true;
      this.store.add(message);
      const item = this.renderMessage(message);
      if (this.typing) this.typing.before(item);
      else this.log.append(item);
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
        if (this.ready && sessionId === this.store.sessionId) return;
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
