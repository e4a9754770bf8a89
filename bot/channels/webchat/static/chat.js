// madoguchi web chat: the conversation as JSON from the desk, shown as text only
// (textContent, never innerHTML), new messages by server-sent events.
//
// Built for a member who may be 80: one question at a time (an answered question's buttons
// are disabled), focus moves to the new question's first button or to the text box after
// each answer, a typing line when the desk takes a moment, a text size that stays chosen.
"use strict";

(function () {
  const body = document.body;
  const org = body.dataset.org;
  if (!org) {
    return; // the chooser page: plain links
  }
  const base = "/chat/" + encodeURIComponent(org);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const log = document.getElementById("log");
  const form = document.getElementById("compose");
  const input = document.getElementById("text");
  const typing = document.getElementById("typing");
  const problem = document.getElementById("problem");
  const TYPING_AFTER_MS = 600; // a quick answer needs no "preparing" line
  let cursor = 0;
  const GIVE_UP_MS = 30000; // no answer by then: stop saying one is coming
  let pending = false;
  let typingTimer = 0;
  let giveUpTimer = 0;
  const FOCUS_AFTER_MS = 120;
  let focusNext = false; // move focus to the next question once the member has answered
  let focusTimer = 0;
  let placed = null; // where the page last put the focus

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function showProblem(text) {
    problem.textContent = text || "";
    problem.hidden = !text;
  }

  // From the member's message until the desk's answer is on the page: the log is busy, and
  // after a moment a typing line says the answer is coming.
  function startWaiting() {
    pending = true;
    log.setAttribute("aria-busy", "true");
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      typing.hidden = !pending;
    }, TYPING_AFTER_MS);
    clearTimeout(giveUpTimer);
    giveUpTimer = setTimeout(stopWaiting, GIVE_UP_MS);
  }

  function stopWaiting() {
    pending = false;
    clearTimeout(typingTimer);
    clearTimeout(giveUpTimer);
    typing.hidden = true;
    log.setAttribute("aria-busy", "false");
  }

  function setChoicesEnabled(group, enabled) {
    for (const button of group.querySelectorAll("button")) {
      button.disabled = !enabled;
    }
  }

  // One question at a time: once answered (or replaced by a new one), old buttons rest and
  // fold away (the member's own answer stays in the log), so only the open question shows.
  function disableOldChoices() {
    for (const group of log.querySelectorAll(".choices")) {
      setChoicesEnabled(group, false);
      group.classList.add("answered");
    }
  }

  function showCursor() {
    log.dataset.shown = String(cursor); // what the page has shown, for tests and support
  }

  function addMember(text) {
    disableOldChoices();
    const item = document.createElement("li");
    item.className = "member";
    item.textContent = text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function addDesk(message) {
    if (message.id && message.id <= cursor) {
      return; // already shown (the stream and the first load may overlap)
    }
    if (message.id) {
      cursor = message.id;
    }
    const item = document.createElement("li");
    item.className = "desk";
    const text = document.createElement("p");
    text.textContent = message.text;
    item.appendChild(text);
    if (message.choices && message.choices.length) {
      disableOldChoices();
      const group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", message.text.split("\n").pop());
      for (const [id, label] of message.choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.addEventListener("click", () => {
          setChoicesEnabled(group, false); // one press is one answer
          send({ choice: id }, label, group);
        });
        group.appendChild(button);
      }
      item.appendChild(group);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    showCursor();
  }

  // After the member's answer, the keyboard goes where the next answer is given: the new
  // question's first button, or the text box. A turn's messages may come one by one, so the
  // move waits for a quiet moment, and a question that comes after the move still takes the
  // focus from where the page put it (never from where the member went).
  function firstLiveChoice() {
    const groups = log.querySelectorAll(".choices");
    const last = groups.length ? groups[groups.length - 1] : null;
    return last ? last.querySelector("button:not([disabled])") : null;
  }

  function answerShown() {
    stopWaiting();
    if (focusNext) {
      focusNext = false;
      clearTimeout(focusTimer);
      focusTimer = setTimeout(() => {
        placed = firstLiveChoice() || input;
        placed.focus();
      }, FOCUS_AFTER_MS);
      return;
    }
    const active = document.activeElement;
    const choice = firstLiveChoice();
    if (choice && placed && active === placed && placed === input && !input.value) {
      placed = choice;
      choice.focus();
    }
  }

  // Returns whether a new desk message was shown.
  function render(messages) {
    const before = cursor;
    for (const message of messages) {
      if (message.author === "member") {
        addMember(message.text);
      } else {
        addDesk(message);
      }
    }
    return cursor !== before;
  }

  async function post(path, payload) {
    return fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload),
    });
  }

  // A message the desk refused is not part of the conversation: the question it answered
  // opens again.
  function unsend(bubble, question) {
    focusNext = false;
    stopWaiting();
    bubble.remove();
    if (question) {
      question.classList.remove("answered");
      setChoicesEnabled(question, true);
    }
  }

  // One message, one id: a resend after a network error is the same message to the desk.
  async function send(what, shown, pressed) {
    const payload = Object.assign({ id: newId() }, what);
    showProblem("");
    const open = firstLiveChoice();
    const question = pressed || (open ? open.parentElement : null);
    const bubble = addMember(shown);
    startWaiting();
    focusNext = true; // the answer may come by the stream before this request returns
    for (let attempt = 0; attempt < 5; attempt++) {
      let response;
      try {
        response = await post("/send", payload);
      } catch (error) {
        await new Promise((done) => setTimeout(done, 1000 * (attempt + 1)));
        continue;
      }
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        unsend(bubble, question);
        showProblem(answer.error || body.dataset.offline);
        return false;
      }
      await catchUp();
      return true;
    }
    unsend(bubble, question);
    showProblem(body.dataset.offline);
    return false;
  }

  async function catchUp() {
    try {
      const response = await fetch(base + "/messages?after=" + cursor, {
        credentials: "same-origin",
      });
      if (response.ok && render((await response.json()).messages)) {
        answerShown();
      }
    } catch (error) {
      // the stream will bring them
    }
  }

  async function load() {
    const response = await fetch(base + "/messages", { credentials: "same-origin" });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      showProblem(answer.error || body.dataset.offline);
      return;
    }
    const first = await response.json();
    render(first.messages);
    cursor = Math.max(cursor, first.cursor);
    showCursor();
    const stream = new EventSource(base + "/events?after=" + cursor);
    stream.onmessage = (event) => {
      if (render([JSON.parse(event.data)])) {
        answerShown();
      }
    };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) {
      input.focus();
      return;
    }
    input.value = "";
    const sent = await send({ text: text }, text);
    if (!sent) {
      input.value = text; // nothing the member wrote is lost
      input.focus();
    }
  });

  // A file, where the co-op takes files: the raw bytes, its name in a header, one id for
  // every try. The desk checks it and answers in the chat, as on any channel.
  const attach = document.getElementById("attach");
  if (attach) {
    attach.addEventListener("submit", async (event) => {
      event.preventDefault();
      const picker = document.getElementById("file");
      const file = picker.files && picker.files[0];
      if (!file) {
        picker.focus();
        return;
      }
      const id = newId();
      showProblem("");
      const bubble = addMember("📎 " + file.name);
      startWaiting();
      focusNext = true;
      for (let attempt = 0; attempt < 3; attempt++) {
        let response;
        try {
          response = await fetch(base + "/upload?id=" + encodeURIComponent(id), {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/octet-stream",
              "X-CSRF-Token": csrf,
              "X-File-Name": encodeURIComponent(file.name),
            },
            body: file,
          });
        } catch (error) {
          await new Promise((done) => setTimeout(done, 1000 * (attempt + 1)));
          continue;
        }
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) {
          unsend(bubble, null);
          showProblem(answer.error || body.dataset.offline);
          return;
        }
        picker.value = "";
        await catchUp();
        return;
      }
      unsend(bubble, null);
      showProblem(body.dataset.offline);
    });
  }

  // Ctrl+Enter sends; a plain Enter stays in the box (it also confirms a kana conversion).
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  const sizes = [100, 115, 130, 150, 175];
  const SIZE_KEY = "madoguchi-size";
  function storedSize() {
    try {
      const raw = localStorage.getItem(SIZE_KEY);
      const stored = raw === null ? 1 : Number(raw);
      return Number.isInteger(stored) && stored >= 0 && stored < sizes.length ? stored : 1;
    } catch (error) {
      return 1; // storage refused (a strict browser, an embedded page): the default size
    }
  }
  let size = storedSize();
  const smaller = document.getElementById("smaller");
  const larger = document.getElementById("larger");
  function applySize() {
    document.documentElement.style.setProperty("--scale", String(sizes[size] / 100));
    try {
      localStorage.setItem(SIZE_KEY, String(size));
    } catch (error) {
      // kept for this page only
    }
  }
  smaller.addEventListener("click", () => {
    size = Math.max(0, size - 1);
    applySize();
  });
  larger.addEventListener("click", () => {
    size = Math.min(sizes.length - 1, size + 1);
    applySize();
  });
  applySize();

  document.getElementById("language").addEventListener("click", async () => {
    const english = body.dataset.lang !== "en";
    await post("/send", { id: newId(), command: "lang", lang: english ? "en" : "ja" });
    window.location.search = english ? "?lang=en" : "";
  });

  document.getElementById("resume").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await post("/resume", {
      case_number: document.getElementById("case-number").value,
      code: document.getElementById("code").value,
    });
    if (response.ok) {
      window.location.reload();
    } else {
      const answer = await response.json().catch(() => ({}));
      showProblem(answer.error || body.dataset.offline);
    }
  });

  load();
})();
