// madoguchi web chat: the conversation as JSON from the desk, shown as text only
// (textContent, never innerHTML), new messages by server-sent events.
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
  let cursor = 0;
  let waiting = 0;

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

  function setWaiting(delta) {
    waiting = Math.max(0, waiting + delta);
    typing.hidden = waiting === 0;
  }

  function disableOldChoices() {
    for (const group of log.querySelectorAll(".choices")) {
      for (const button of group.querySelectorAll("button")) {
        button.disabled = true;
      }
    }
  }

  function addMember(text) {
    const item = document.createElement("li");
    item.className = "member";
    item.textContent = text;
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function addDesk(message) {
    if (message.id && message.id <= cursor) {
      return; // already shown (the stream and the first load may overlap)
    }
    if (message.id) {
      cursor = message.id;
    }
    disableOldChoices();
    const item = document.createElement("li");
    item.className = "desk";
    const text = document.createElement("p");
    text.textContent = message.text;
    item.appendChild(text);
    if (message.choices && message.choices.length) {
      const group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      for (const [id, label] of message.choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.addEventListener("click", () => send({ choice: id }, label));
        group.appendChild(button);
      }
      item.appendChild(group);
    }
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  function render(messages) {
    for (const message of messages) {
      if (message.author === "member") {
        addMember(message.text);
      } else {
        addDesk(message);
      }
    }
  }

  async function post(path, payload) {
    return fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload),
    });
  }

  // One message, one id: a resend after a network error is the same message to the desk.
  async function send(what, shown) {
    const payload = Object.assign({ id: newId() }, what);
    showProblem("");
    addMember(shown);
    setWaiting(1);
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const response = await post("/send", payload);
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) {
          setWaiting(-1);
          showProblem(answer.error || "");
          return false;
        }
        setWaiting(-1);
        catchUp();
        return true;
      } catch (error) {
        await new Promise((done) => setTimeout(done, 1000 * (attempt + 1)));
      }
    }
    setWaiting(-1);
    showProblem(body.dataset.lang === "en"
      ? "Could not send. Please check your connection and send again."
      : "送信できませんでした。通信の状態をお確かめのうえ、もう一度送ってください。");
    return false;
  }

  async function catchUp() {
    try {
      const response = await fetch(base + "/messages?after=" + cursor, { credentials: "same-origin" });
      if (response.ok) {
        render((await response.json()).messages);
      }
    } catch (error) {
      // the stream will bring them
    }
  }

  async function load() {
    const response = await fetch(base + "/messages", { credentials: "same-origin" });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      showProblem(answer.error || "");
      return;
    }
    const first = await response.json();
    render(first.messages);
    cursor = Math.max(cursor, first.cursor);
    const stream = new EventSource(base + "/events?after=" + cursor);
    stream.onmessage = (event) => addDesk(JSON.parse(event.data));
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
    }
    input.focus();
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      form.requestSubmit();
    }
  });

  const sizes = [100, 115, 130, 150, 175];
  let size = Number(localStorage.getItem("madoguchi-size") || 1);
  function applySize() {
    document.documentElement.style.setProperty("--scale", sizes[size] / 100);
    localStorage.setItem("madoguchi-size", String(size));
  }
  document.getElementById("smaller").addEventListener("click", () => {
    size = Math.max(0, size - 1);
    applySize();
  });
  document.getElementById("larger").addEventListener("click", () => {
    size = Math.min(sizes.length - 1, size + 1);
    applySize();
  });
  applySize();

  document.getElementById("language").addEventListener("click", async () => {
    await post("/send", { id: newId(), command: "lang" });
    const english = body.dataset.lang !== "en";
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
      showProblem(answer.error || "");
    }
  });

  load();
})();
