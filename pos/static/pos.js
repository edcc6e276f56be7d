// The register page: a scanner types a code and Enter into #scan-input, which keeps focus.
"use strict";
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (sel) => document.querySelector(sel);
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);
const input = $("#scan-input");
let sale = newSale();
let sending = false; // a sale is on its way: the complete button waits for its answer

function newSale() {
  const prefix = document.body.dataset.receiptPrefix;
  // purchasedAt is fixed at the first attempt to complete the sale (see saleBody).
  return { member: null, token: null, coupons: [], chosen: new Set(), lines: [],
           receipt: `${prefix}-${Date.now().toString(36)}`, purchasedAt: null };
}

async function call(method, url, body) {
  let response;
  try {
    response = await fetch(url, { method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: body ? JSON.stringify(body) : undefined });
  } catch {
    throw new Error("通信できませんでした。もう一度お試しください。");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || `エラー ${response.status}`);
  return data;
}

const isMemberOrCoupon = (code) => /^29\d{11}(\d{6})?$/.test(code) || /^C[A-Z0-9]{11}$/i.test(code);

async function onScan(code) {
  $("#message").textContent = "";
  $("#result").textContent = "";
  try {
    if (isMemberOrCoupon(code)) showMember(await call("POST", "/pos/api/scan", { code }));
    else addProduct(await call("GET", `/pos/api/products/${encodeURIComponent(code)}`));
  } catch (error) {
    $("#message").textContent = error.message;
  }
  render();
}

function showMember(answer) {
  sale.member = answer.member;
  sale.token = answer.member_token;
  sale.coupons = answer.coupons;
  if (answer.scanned_coupon) sale.chosen.add(answer.scanned_coupon);
}

function addProduct(product) {
  const line = sale.lines.find((l) => l.sku === product.sku);
  if (line) line.quantity += 1;
  else sale.lines.push({ ...product, quantity: 1 });
}

function subtotal() {
  return sale.lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
}

function couponDiscount(coupon, amount) {
  if (amount < (coupon.minimum_spend || 0)) return 0;
  if (coupon.discount_type === "percent") return Math.floor(amount * coupon.discount_value / 100);
  return Math.min(coupon.discount_value, amount);
}

function discount() {
  const amount = subtotal();
  return sale.coupons.filter((c) => sale.chosen.has(c.code))
    .reduce((sum, c) => sum + couponDiscount(c, amount), 0);
}

function render() {
  renderMember();
  renderLines();
  byTestId("discount").textContent = discount().toLocaleString("ja-JP");
  byTestId("total").textContent = (subtotal() - discount()).toLocaleString("ja-JP");
  $("#complete").disabled = sending || !sale.lines.length;
  input.focus();
}

function renderMember() {
  const box = byTestId("member");
  box.hidden = !sale.member;
  if (!sale.member) return;
  byTestId("member-name").textContent = sale.member.name || "会員";
  byTestId("member-rank").textContent = { regular: "レギュラー", silver: "シルバー", gold: "ゴールド" }[sale.member.rank];
  byTestId("member-points").textContent = sale.member.points_balance.toLocaleString("ja-JP");
  const list = $("#coupons");
  list.replaceChildren(...sale.coupons.map(couponButton));
}

function couponButton(coupon) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.testid = `coupon-${coupon.code}`;
  button.textContent = `${coupon.name}（${coupon.discount_type === "percent" ? coupon.discount_value + "%" : coupon.discount_value + "円"}引）`;
  button.className = sale.chosen.has(coupon.code) ? "selected" : "ghost";
  button.addEventListener("click", () => {
    if (sale.chosen.has(coupon.code)) sale.chosen.delete(coupon.code);
    else sale.chosen.add(coupon.code);
    render();
  });
  item.append(button);
  return item;
}

function renderLines() {
  $("#lines").replaceChildren(...sale.lines.map((line, index) => {
    const row = document.createElement("tr");
    row.innerHTML = `<td></td><td>${line.price}円</td><td>${line.quantity}</td>` +
      `<td>${(line.price * line.quantity).toLocaleString("ja-JP")}円</td><td></td>`;
    row.cells[0].textContent = line.name;
    row.cells[4].append(lineButton("＋", () => { line.quantity += 1; }),
      lineButton("−", () => { line.quantity -= 1; if (!line.quantity) sale.lines.splice(index, 1); }));
    return row;
  }));
}

function lineButton(label, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "ghost";
  button.textContent = label;
  button.addEventListener("click", () => { action(); render(); });
  return button;
}

// One sale, one answer: the receipt number and the time are fixed once per sale, so sending
// it again (after a lost answer) is the same request, which the server answers the same way.
function saleBody() {
  sale.purchasedAt = sale.purchasedAt || new Date().toISOString();
  const body = { receipt_number: sale.receipt, purchased_at: sale.purchasedAt,
    lines: sale.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unit_price: l.price })),
    total: subtotal() - discount(), payment_method: "cash",
    coupon_codes: sale.coupons.filter((c) => sale.chosen.has(c.code)).map((c) => c.code) };
  if (sale.token) body.member_token = sale.token;
  return body;
}

async function complete() {
  if (sending) return; // a double click sends the sale once
  if (!sale.lines.length) { $("#message").textContent = "商品をスキャンしてください。"; return; }
  $("#message").textContent = "";
  sending = true;
  render();
  try {
    const answer = await call("POST", "/pos/api/sales", saleBody());
    sale = newSale();
    $("#result").textContent = answer.member
      ? `お会計完了：${answer.total}円 ／ ${answer.points_earned}pt 付与（残高 ${answer.member.points_balance}pt）`
      : `お会計完了：${answer.total}円`;
  } catch (error) {
    $("#message").textContent = error.message;
  } finally {
    sending = false;
    render();
  }
}

input.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const code = input.value.trim();
  input.value = "";
  if (code) onScan(code);
});
$("#complete").addEventListener("click", complete);
$("#clear").addEventListener("click", () => { sale = newSale(); render(); });
// A scanner types into whatever has focus: bring it back to the scan field after any tap.
document.addEventListener("click", (event) => { if (event.target.tagName !== "INPUT") input.focus(); });
render();
