// The fieldworker demo page. Talks only to the server it came from (/api/...); keeps nothing in
// the browser (no cookies, no storage): "new conversation" and closing the tab forget everything.
"use strict";

const state = { texts: null, lang: "en", conversation: null, busy: false };
const $ = (id) => document.getElementById(id);

function pageLanguage(texts) {
  const codes = texts.languages.map((l) => l.code);
  const wanted = (navigator.language || "").slice(0, 2).toLowerCase();
  return codes.includes(wanted) ? wanted : "en";
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function button(label, onClick, className) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (className) b.className = className;
  b.addEventListener("click", onClick);
  return b;
}

// ------------------------------------------------------------------ labels in the page language

function relabel() {
  const ui = state.texts.ui[state.lang];
  const labels = ui.labels;
  document.documentElement.lang = state.lang;
  document.title = labels.title;
  $("title").textContent = labels.title;
  $("notice").textContent = labels.notice;
  $("large").textContent = labels.large_text;
  $("new").textContent = labels.new_conversation;
  $("language-heading").textContent = labels.language;
  $("topics-heading").textContent = labels.topics;
  $("conversation-heading").textContent = labels.conversation;
  $("examples-heading").textContent = labels.examples;
  $("question-label").textContent = labels.placeholder;
  $("question").placeholder = labels.placeholder;
  $("send").textContent = labels.send;
  for (const b of $("languages").children) b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
  $("topics").replaceChildren(...ui.topics.map((topic) =>
    Object.assign(button(topic.label, () => chooseTopic(topic), "topic"), { id: `topic-${topic.id}` })));
}

function showExamples(questions) {
  $("examples").replaceChildren(...questions.map((q) => button(q, () => ask(q, q), "chip")));
}

function firstExamples() {
  return state.texts.ui[state.lang].topics.map((t) => t.examples[0]).filter(Boolean);
}

// ------------------------------------------------------------------------------- conversation

function addMessage(who, text, extra = {}) {
  const item = document.createElement("li");
  item.className = `message ${who}`;
  const body = document.createElement("div");
  body.textContent = text;
  item.append(body);
  if (extra.lang) item.lang = extra.lang;
  if (extra.answerId) item.dataset.answerId = extra.answerId;
  if (extra.buttons && extra.buttons.length) {
    const row = document.createElement("div");
    row.className = "row";
    row.append(...extra.buttons.map((b) => button(b.title, () => ask(b.payload, b.title))));
    item.append(row);
  }
  $("log").append(item);
  item.scrollIntoView({ block: "nearest" });
  return item;
}

function setBusy(busy) {
  state.busy = busy;
  $("log").setAttribute("aria-busy", String(busy));
  $("ask").setAttribute("aria-busy", String(busy));
  $("send").disabled = busy;
}

// Send a message (typed text, a chip, or a button payload) and show the replies.
async function ask(message, shown) {
  if (state.busy || !state.conversation) return;
  if (shown) addMessage("user", shown, { lang: state.lang });
  setBusy(true);
  let messages;
  try {
    messages = (await post("/api/message", { conversation: state.conversation, text: message, language: state.lang })).messages;
  } catch (error) {
    messages = [{ text: state.texts.ui[state.lang].unavailable, buttons: [] }];
  } finally {
    setBusy(false);
  }
  for (const m of messages) {
    const custom = m.custom || {};
    if (custom.language && state.texts.ui[custom.language] && custom.language !== state.lang) {
      state.lang = custom.language;
      relabel();
    }
    addMessage("bot", m.text || "", { buttons: m.buttons, lang: custom.language, answerId: custom.answer_id });
  }
}

function chooseLanguage(code) {
  const name = state.texts.languages.find((l) => l.code === code).name;
  state.lang = code;
  relabel();
  showExamples(firstExamples());
  ask(`/language{"language": "${code}"}`, name);
}

function chooseTopic(topic) {
  showExamples(topic.examples);
  ask(topic.payload, topic.label);
}

async function newConversation() {
  const old = state.conversation;
  state.conversation = null;
  $("log").replaceChildren();
  $("question").value = "";
  const fresh = await post("/api/new", old ? { conversation: old } : {});
  state.conversation = fresh.conversation;
  document.body.dataset.conversation = fresh.conversation;   // for the end-to-end test
  showExamples(firstExamples());
  await ask("/greet");
}

// ------------------------------------------------------------------------------------- start

async function start() {
  state.texts = await (await fetch("/api/texts")).json();
  state.lang = pageLanguage(state.texts);
  $("languages").replaceChildren(...state.texts.languages.map((l) => {
    const b = button(l.name, () => chooseLanguage(l.code));
    b.lang = l.code;
    b.dataset.lang = l.code;
    return b;
  }));
  relabel();
  $("large").addEventListener("click", () => {
    const on = document.documentElement.classList.toggle("large");
    $("large").setAttribute("aria-pressed", String(on));
  });
  $("new").addEventListener("click", () => { if (!state.busy) newConversation(); });
  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("question").value.trim();
    if (!text) return;
    $("question").value = "";
    ask(text, text);
  });
  await newConversation();
  document.body.dataset.ready = "true";
}

start();
