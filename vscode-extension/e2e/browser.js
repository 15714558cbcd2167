// Drives code-server (VS Code in the browser) with Debian's Chromium through playwright-core.
//   node browser.js in-host URL RESULT_FILE TIMEOUT_MS SHOT
//       opens URL (a workbench payload that runs e2e/in-host/index.js in the extension host) and keeps the
//       page open until RESULT_FILE appears; screenshot SHOT on timeout.
//   node browser.js install URL FILE CODES SHOT
//       the failure path: with an interpreter lacking scorelint, waits for the notification, clicks its
//       "Install scorelint[lsp]" button, then waits until the Problems panel lists every code in CODES.
//       Screenshots SHOT (the notification) and SHOT with -installed (after).
//   node browser.js ui URL FILE CODES SHOT
//       UI smoke test: opens FILE with Quick Open, waits for the squiggles, opens the Problems panel, waits
//       until every code in CODES (comma-separated) is listed, prints the rows as JSON, saves SHOT; then
//       runs "scorelint: Show Swagger" from the command palette, picks version 3, waits for the document.
// Needs NODE_PATH to hold playwright-core; CHROMIUM the browser executable.
const { chromium } = require("playwright-core");
const fs = require("fs");

const [mode, url, ...rest] = process.argv.slice(2);
const T = 90000;

async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

function keepConsole(page, sink) {
  page.on("console", (m) => sink.push(`[${m.type()}] ${m.text().slice(0, 500)}`));
  page.on("pageerror", (e) => sink.push(`[pageerror] ${String(e).slice(0, 500)}`));
}

async function inHost(resultFile, timeoutMs, shot) {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  const consoleLines = [];
  keepConsole(page, consoleLines);
  let ok = false;
  try {
    await page.goto(url, { timeout: T });
    const end = Date.now() + Number(timeoutMs);
    while (!fs.existsSync(resultFile) && Date.now() < end) await new Promise((r) => setTimeout(r, 250));
    ok = fs.existsSync(resultFile);
    if (!ok) await page.screenshot({ path: shot }).catch(() => {});
  } finally {
    await browser.close();
  }
  if (!ok) {
    console.error(`no result after ${timeoutMs} ms; browser console (last 40 lines):\n${consoleLines.slice(-40).join("\n")}`);
    process.exit(2);
  }
}

async function openFile(page, file) {
  await page.goto(url, { timeout: T });
  await page.waitForSelector(".monaco-workbench", { timeout: T });
  // open the file from the Explorer (the workbench is ready when its rows are)
  const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: file });
  await row.first().waitFor({ timeout: T });
  await row.first().dblclick();
  await page.waitForSelector(".monaco-editor .view-lines", { timeout: T });
}

async function problemsListing(page, codes, result) {
  await page.keyboard.press("Control+Shift+M");
  await page.waitForSelector(".markers-panel .monaco-list-row", { timeout: T });
  const wanted = codes.split(",").filter(Boolean);
  const end = Date.now() + T;
  for (;;) {
    result.problems = (await page.locator(".markers-panel .monaco-list-row").allInnerTexts())
      .map((t) => t.replace(/\u00a0/g, " "));
    const text = result.problems.join("\n");
    if (wanted.every((c) => text.includes(c)) || Date.now() > end) break;
    await page.waitForTimeout(250);
  }
}

async function statusBar(page) {
  return page.locator(".statusbar-item", { hasText: "scorelint" }).evaluateAll((items) =>
    items.map((e) => ({ text: e.innerText.trim(), label: e.getAttribute("aria-label") })));
}

async function install(file, codes, shot) {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  const consoleLines = [];
  keepConsole(page, consoleLines);
  const result = { ok: false };
  try {
    await openFile(page, file);
    const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "cannot import scorelint_lsp" });
    await toast.first().waitFor({ timeout: T });
    result.notification = (await toast.first().innerText()).replace(/\u00a0/g, " ");
    result.notificationCount = await page.locator(".notifications-toasts .notification-toast",
      { hasText: "scorelint" }).count();
    result.statusBarFailed = await statusBar(page);
    await page.screenshot({ path: shot });
    await toast.first().locator(".monaco-button", { hasText: "Install scorelint[lsp]" }).click();
    // pip runs in the interpreter, then the server restarts: squiggles appear
    await page.waitForSelector(".monaco-editor .squiggly-error, .monaco-editor .squiggly-warning", { timeout: 300000 });
    await problemsListing(page, codes, result);
    result.statusBarRunning = await statusBar(page);
    await page.screenshot({ path: shot.replace(/\.png$/, "-installed.png") });
    result.ok = true;
  } catch (e) {
    result.error = String(e);
    result.console = consoleLines.slice(-40);
    await page.screenshot({ path: shot.replace(/\.png$/, "-error.png") }).catch(() => {});
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

async function ui(file, codes, shot) {
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
  const consoleLines = [];
  keepConsole(page, consoleLines);
  const result = { ok: false };
  try {
    await openFile(page, file);
    // squiggles = diagnostics arrived through the extension's language client
    await page.waitForSelector(".monaco-editor .squiggly-error, .monaco-editor .squiggly-warning", { timeout: T });
    await problemsListing(page, codes, result);
    result.statusBar = await statusBar(page);
    await page.screenshot({ path: shot });
    // the command palette: "scorelint: Show Swagger", then pick version 3 in the quick pick
    await page.locator(".monaco-editor .view-line").first().click();
    await page.keyboard.press("Control+Shift+P");
    await page.waitForSelector(".quick-input-widget input", { timeout: T });
    await page.keyboard.type("scorelint: Show Swagger");
    const command = page.locator(".quick-input-widget .monaco-list-row", { hasText: "scorelint: Show Swagger" });
    await command.first().waitFor({ timeout: T });
    await page.keyboard.press("Enter");
    const version = page.locator(".quick-input-widget .monaco-list-row", { hasText: "OpenAPI 3.0" });
    await version.first().waitFor({ timeout: T });
    result.versionChoices = (await page.locator(".quick-input-widget .monaco-list-row").allInnerTexts())
      .map((t) => t.replace(/\s+/g, " ").trim());
    await version.first().click();
    const opened = page.locator(".monaco-editor .view-line", { hasText: '"openapi": "3.0' });
    await opened.first().waitFor({ timeout: T });
    result.swaggerLine = (await opened.first().innerText()).replace(/\u00a0/g, " ").trim();
    result.swaggerTab = (await page.locator(".tabs-container .tab.active").allInnerTexts()).map((t) => t.trim());
    await page.screenshot({ path: shot.replace(/\.png$/, "-swagger.png") });
    result.ok = true;
  } catch (e) {
    result.error = String(e);
    result.console = consoleLines.slice(-40);
    await page.screenshot({ path: shot }).catch(() => {});
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
  process.exit(result.ok ? 0 : 1);
}

const run = { "in-host": () => inHost(rest[0], rest[1] || "180000", rest[2]),
  ui: () => ui(rest[0], rest[1] || "", rest[2]), install: () => install(rest[0], rest[1] || "", rest[2]) }[mode];
run()
  .catch((e) => { console.error(String((e && e.stack) || e)); process.exit(3); });
