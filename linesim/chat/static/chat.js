// The chat screen: long-polls the user's timeline and sends user actions to linesim.
"use strict";

const phone = document.getElementById("phone");
const userId = phone.dataset.userId;
const messagesPane = document.getElementById("messages");
const quickReplies = document.getElementById("quick-replies");
let lastSeq = 0;
let userState = phone.dataset.userState;

async function simPost(path, body) {
  const response = await fetch("/_sim/users/" + userId + path, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.message || response.statusText);
  return answer;
}

function showOpenedUri(uri) {
  // A real phone would open the page; here the link is shown so tests can assert on it.
  const note = document.getElementById("uri-opened");
  note.hidden = false;
  note.innerHTML = "";
  const link = document.createElement("a");
  link.href = uri;
  link.target = "_blank";
  link.textContent = "Open " + uri;
  note.appendChild(link);
}

async function performAction(action) {
  quickReplies.innerHTML = "";
  const answer = await simPost("/action", {action});
  if (answer.uri) showOpenedUri(answer.uri);
  return answer;
}

function appendRow(item, content) {
  const row = document.createElement("div");
  row.className = "row row-" + item.side;
  row.dataset.seq = item.seq;
  row.dataset.testid = item.side === "bot" ? "bot-message" : "user-message";
  if (item.side === "bot") {
    row.dataset.messageType = item.message.type;
    row.dataset.endpoint = item.endpoint;
  }
  row.appendChild(content);
  messagesPane.appendChild(row);
}

function showQuickReplies(message) {
  quickReplies.innerHTML = "";
  const items = (message.quickReply && message.quickReply.items) || [];
  items.forEach((item, index) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "quick-reply";
    chip.dataset.testid = "quick-reply";
    chip.dataset.index = index;
    chip.textContent = item.action.label || item.action.text || "";
    chip.addEventListener("click", () => performAction(item.action));
    quickReplies.appendChild(chip);
  });
}

function render(items) {
  for (const item of items) {
    if (item.side === "user") {
      appendRow(item, textBubble(item.text, "user-text"));
    } else {
      appendRow(item, renderLineMessage(item.message, performAction));
      showQuickReplies(item.message);
    }
    lastSeq = Math.max(lastSeq, item.seq);
  }
  if (items.length) messagesPane.scrollTop = messagesPane.scrollHeight;
}

function updateHeader(user) {
  userState = user.state;
  phone.dataset.userState = userState;
  const follow = document.getElementById("btn-follow");
  follow.textContent = userState === "blocked" ? "Unblock" : "Add friend";
  follow.hidden = userState === "friend";
  document.getElementById("btn-block").hidden = userState !== "friend";
  document.getElementById("composer").classList.toggle("disabled", userState !== "friend");
}

async function loadRichMenu() {
  const response = await fetch("/_sim/richmenu/" + userId);
  const section = document.getElementById("rich-menu");
  if (!response.ok) { section.hidden = true; return; }
  const menu = await response.json();
  if (section.dataset.menuId === menu.richMenuId) return;
  section.dataset.menuId = menu.richMenuId;
  section.hidden = false;
  document.getElementById("rich-menu-image").src = menu.imageUrl;
  document.getElementById("rich-menu-bar").textContent = menu.chatBarText;
  const canvas = document.getElementById("rich-menu-canvas");
  canvas.querySelectorAll(".rich-menu-area").forEach((area) => area.remove());
  menu.areas.forEach((area, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "rich-menu-area";
    button.dataset.testid = "rich-menu-area";
    button.dataset.area = index;
    button.title = area.action.label || area.action.type;
    const bounds = area.bounds;
    button.style.left = (100 * bounds.x / menu.size.width) + "%";
    button.style.top = (100 * bounds.y / menu.size.height) + "%";
    button.style.width = (100 * bounds.width / menu.size.width) + "%";
    button.style.height = (100 * bounds.height / menu.size.height) + "%";
    button.addEventListener("click", async () => {
      const answer = await simPost("/richmenu-tap", {area: index});
      if (answer.uri) showOpenedUri(answer.uri);
    });
    canvas.appendChild(button);
  });
}

async function poll() {
  while (true) {
    try {
      const response = await fetch(`/_sim/users/${userId}/timeline?after=${lastSeq}&timeout=20`);
      const answer = await response.json();
      updateHeader(answer.user);
      render(answer.items);
      await loadRichMenu();
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

document.getElementById("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("text-input");
  if (!input.value) return;
  const text = input.value;
  input.value = "";
  await simPost("/text", {text});
});

document.getElementById("btn-follow").addEventListener("click", async () => {
  await simPost("/follow");
  updateHeader({state: "friend"});
});

document.getElementById("btn-block").addEventListener("click", async () => {
  await simPost("/block");
  updateHeader({state: "blocked"});
});

updateHeader({state: userState});
poll();
