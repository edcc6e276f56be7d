// One chat bubble per LINE message object: text, image, sticker, flex, template.
"use strict";

function textBubble(text, className) {
  const element = document.createElement("div");
  element.className = "bubble " + className;
  element.textContent = text;
  return element;
}

function imageBubble(message) {
  const element = document.createElement("img");
  element.className = "bubble-image";
  element.dataset.testid = "image-message";
  element.src = message.originalContentUrl;
  element.alt = "image";
  return element;
}

function templateActions(actions, onAction) {
  const list = document.createElement("div");
  list.className = "template-actions";
  for (const action of actions || []) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "template-action";
    button.dataset.testid = "template-action";
    button.textContent = action.label || "";
    button.addEventListener("click", () => onAction(action));
    list.appendChild(button);
  }
  return list;
}

function templateCard(column, onAction) {
  const card = document.createElement("div");
  card.className = "template-card";
  card.dataset.testid = "template-card";
  if (column.thumbnailImageUrl) {
    const image = document.createElement("img");
    image.src = column.thumbnailImageUrl;
    image.className = "template-thumbnail";
    card.appendChild(image);
  }
  if (column.title) card.appendChild(textBubble(column.title, "template-title"));
  card.appendChild(textBubble(column.text || "", "template-text"));
  card.appendChild(templateActions(column.actions, onAction));
  return card;
}

function templateBubble(template, onAction) {
  if (template.type === "carousel") {
    const row = document.createElement("div");
    row.className = "flex-carousel";
    for (const column of template.columns || []) row.appendChild(templateCard(column, onAction));
    return row;
  }
  if (template.type === "buttons" || template.type === "confirm") {
    const card = templateCard(template, onAction);
    if (template.type === "confirm") card.classList.add("template-confirm");
    return card;
  }
  return null;
}

function renderLineMessage(message, onAction) {
  switch (message.type) {
    case "text": return textBubble(message.text, "bot-text");
    case "textV2": return textBubble(message.text, "bot-text");
    case "image": return imageBubble(message);
    case "sticker": return textBubble("[sticker " + message.stickerId + "]", "bot-text sticker");
    case "flex": return renderFlexContainer(message.contents, onAction);
    case "template":
      return templateBubble(message.template, onAction) || textBubble(message.altText, "bot-text");
    default:
      return textBubble("[" + message.type + "] " + (message.altText || ""), "bot-text");
  }
}
