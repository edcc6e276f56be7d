// Flex Message rendering: bubbles and carousels of boxes, texts, images, buttons.
// Close enough to LINE's look to recognise a layout; not a pixel-perfect renderer.
"use strict";

const FLEX_SIZES = {xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35,
                    "4xl": 48, "5xl": 74};
const FLEX_SPACES = {none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20};

function flexLength(value, fallback) {
  if (value === undefined) return fallback;
  if (value in FLEX_SPACES) return FLEX_SPACES[value] + "px";
  return value;
}

function makeActionable(element, action, onAction) {
  if (!action) return element;
  element.classList.add("actionable");
  element.dataset.actionType = action.type;
  element.addEventListener("click", (event) => {
    event.stopPropagation();
    onAction(action);
  });
  return element;
}

function renderFlexText(component) {
  const element = document.createElement("div");
  element.className = "flex-text";
  if (component.contents && component.contents.length) {
    for (const span of component.contents) {
      const part = document.createElement("span");
      part.textContent = span.text || "";
      if (span.color) part.style.color = span.color;
      if (span.weight === "bold") part.style.fontWeight = "bold";
      if (span.size in FLEX_SIZES) part.style.fontSize = FLEX_SIZES[span.size] + "px";
      element.appendChild(part);
    }
  } else {
    element.textContent = component.text || "";
  }
  element.style.fontSize = (FLEX_SIZES[component.size] || FLEX_SIZES.md) + "px";
  if (component.weight === "bold") element.style.fontWeight = "bold";
  if (component.color) element.style.color = component.color;
  if (component.align) element.style.textAlign = component.align;
  element.style.whiteSpace = component.wrap ? "pre-wrap" : "nowrap";
  if (component.decoration === "line-through") element.style.textDecoration = "line-through";
  return element;
}

function renderFlexImage(component) {
  // Natural size up to the bubble width, so a barcode stays scannable in a screenshot.
  const element = document.createElement("img");
  element.className = "flex-image";
  element.src = component.url;
  element.alt = component.altText || "";
  element.dataset.testid = "flex-image";
  if (component.size === "full") element.classList.add("full");
  if (component.backgroundColor) element.style.backgroundColor = component.backgroundColor;
  return element;
}

function renderFlexButton(component) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "flex-button flex-button-" + (component.style || "link");
  element.dataset.testid = "flex-button";
  element.textContent = (component.action && component.action.label) || "";
  if (component.color) {
    const styleKey = component.style === "link" || !component.style ? "color" : "backgroundColor";
    element.style[styleKey] = component.color;
  }
  return element;
}

function renderFlexBox(component, onAction) {
  const element = document.createElement("div");
  const layout = component.layout || "vertical";
  element.className = "flex-box flex-" + layout;
  element.style.gap = flexLength(component.spacing, "0px");
  if (component.backgroundColor) element.style.backgroundColor = component.backgroundColor;
  if (component.cornerRadius) element.style.borderRadius = flexLength(component.cornerRadius);
  if (component.borderWidth) element.style.border = `${flexLength(component.borderWidth)} solid ${component.borderColor || "#ddd"}`;
  for (const side of ["All", "Top", "Bottom", "Start", "End"]) {
    const value = component["padding" + side];
    if (value === undefined) continue;
    const property = side === "All" ? "padding"
      : "padding" + {Top: "Top", Bottom: "Bottom", Start: "Left", End: "Right"}[side];
    element.style[property] = flexLength(value);
  }
  for (const child of component.contents || []) {
    const rendered = renderFlexComponent(child, onAction);
    if (child.flex !== undefined) rendered.style.flex = String(child.flex);
    else if (layout !== "vertical") rendered.style.flex = "1";
    if (child.margin) rendered.style.marginTop = flexLength(child.margin);
    element.appendChild(rendered);
  }
  return element;
}

function renderFlexComponent(component, onAction) {
  let element;
  switch (component.type) {
    case "box": element = renderFlexBox(component, onAction); break;
    case "text": element = renderFlexText(component); break;
    case "image": element = renderFlexImage(component); break;
    case "button": element = renderFlexButton(component); break;
    case "separator":
      element = document.createElement("hr");
      element.className = "flex-separator";
      break;
    case "icon":
      element = document.createElement("img");
      element.className = "flex-icon";
      element.src = component.url;
      break;
    case "video":
      element = renderFlexImage({url: component.previewUrl, size: "full"});
      break;
    default:
      element = document.createElement("div");
      element.className = "flex-" + component.type;
  }
  element.classList.add("flex-component");
  return makeActionable(element, component.action, onAction);
}

function renderFlexBubble(bubble, onAction) {
  const element = document.createElement("div");
  element.className = "flex-bubble flex-size-" + (bubble.size || "mega");
  element.dataset.testid = "flex-bubble";
  const styles = bubble.styles || {};
  for (const section of ["header", "hero", "body", "footer"]) {
    if (!bubble[section]) continue;
    const part = document.createElement("div");
    part.className = "flex-section flex-" + section;
    part.dataset.testid = "flex-" + section;
    const sectionStyle = styles[section] || {};
    if (sectionStyle.backgroundColor) part.style.backgroundColor = sectionStyle.backgroundColor;
    if (sectionStyle.separator) part.classList.add("with-separator");
    part.appendChild(renderFlexComponent(bubble[section], onAction));
    element.appendChild(part);
  }
  return makeActionable(element, bubble.action, onAction);
}

function renderFlexContainer(container, onAction) {
  if (container.type === "carousel") {
    const element = document.createElement("div");
    element.className = "flex-carousel";
    element.dataset.testid = "flex-carousel";
    for (const bubble of container.contents || []) {
      element.appendChild(renderFlexBubble(bubble, onAction));
    }
    return element;
  }
  return renderFlexBubble(container, onAction);
}
