// The launchpad in a real headless Chromium against a real `wt serve` (WT_BASE), started by
// tests/launchpad.rs. WT_UI_SCREENSHOTS=<dir> also saves the README's screenshots there.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const BASE = process.env.WT_BASE;
const SHOTS = process.env.WT_UI_SCREENSHOTS;
const SECRET = "s3cr3t-launchpad-4242";
const ADD = "wt-add-then-double-workflow";
let browser;

before(async () => {
  assert.ok(BASE, "WT_BASE names the server");
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox"],
  });
});

after(async () => {
  await browser?.close();
});

async function open(path, viewport = { width: 900, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  await page.goto(`${BASE}${path}`);
  return { page, problems };
}

const api = async (path) => (await fetch(`${BASE}${path}`)).json();

async function runCount() {
  return (await api("/runs")).runs.length;
}

test("every served workflow's form renders, with a label on every input", async () => {
  const { workflows } = await api("/workflows");
  assert.ok(workflows.length >= 7, `${workflows.length} workflows`);
  for (const w of workflows) {
    const { page, problems } = await open(`/ui?workflow=${w.release}`);
    await page.waitForSelector("form.rjsf");
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea")]
        .filter((el) => el.type !== "hidden")
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
        .map((el) => el.id || el.name || el.outerHTML),
    );
    assert.deepEqual(unlabelled, [], `${w.release}: inputs without a label`);
    const nameless = await page.evaluate(() =>
      [...document.querySelectorAll("button")]
        .filter((b) => !b.textContent.trim() && !b.getAttribute("aria-label"))
        .map((b) => b.outerHTML),
    );
    assert.deepEqual(nameless, [], `${w.release}: buttons without a name`);
    const ids = await page.evaluate(() => [...document.querySelectorAll("[id^=root_]")].length);
    assert.ok(ids > 0, `${w.release}: no RJSF field`);
    assert.deepEqual(problems, [], `${w.release}: errors in the page`);
    await page.close();
  }
});

test("a bad field is refused in the page and no run starts", async () => {
  const before = await runCount();
  const { page } = await open(`/ui?workflow=${ADD}`);
  await page.waitForSelector("#root_total_a");
  await page.fill("#root_total_b", "2");
  await page.click("#wt-run");
  await page.waitForSelector(".error-detail, .errors");
  const text = await page.textContent("form.rjsf");
  assert.match(text, /required/i);
  assert.equal(await page.$("#wt-status"), null);
  assert.equal(await runCount(), before);
  await page.close();
});

test("a value the server refuses is shown on its field", async () => {
  const { page } = await open(`/ui?workflow=${ADD}`);
  await page.waitForSelector("#root_total_a");
  await page.fill("#root_total_a", "100000000000000000000");
  await page.fill("#root_total_b", "1");
  await page.click("#wt-run");
  const error = await page.waitForSelector("#root_total_a__error");
  assert.match(await error.textContent(), /64 bits/);
  assert.equal(await page.$("#wt-status"), null);
  await page.close();
});

test("a run's result is shown, shared by link and run again; Enter submits", async () => {
  const { page, problems } = await open(`/ui?workflow=${ADD}`);
  await page.waitForSelector("#root_total_a");
  await page.fill("#root_total_a", "3");
  await page.fill("#root_total_b", "3");
  await page.press("#root_total_b", "Enter");
  const result = await page.waitForSelector("#wt-result", { timeout: 60_000 });
  assert.equal(JSON.parse(await result.textContent()), 12);
  assert.equal(await page.textContent("#wt-status"), "succeeded");
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/launchpad-result.png`, fullPage: true });
  const share = await page.getAttribute("#wt-share", "href");
  const runId = new URLSearchParams(share.split("?")[1]).get("run");
  await page.waitForSelector(`#wt-recent a[href*="${runId}"]`);

  const { page: shared } = await open(share);
  const again = await shared.waitForSelector("#wt-result");
  assert.equal(JSON.parse(await again.textContent()), 12);
  await shared.click("#wt-run-again");
  await shared.waitForFunction(() => document.querySelector("#root_total_a")?.value === "3");
  assert.equal(await shared.inputValue("#root_total_b"), "3");
  assert.deepEqual(problems, []);
  await page.close();
  await shared.close();
});

test("a failing workflow's error and trace are shown", async () => {
  const { page } = await open("/ui?workflow=wt-failing-workflow");
  await page.waitForSelector("#root_step_msg");
  await page.fill("#root_step_msg", "the river is dry");
  await page.click("#wt-run");
  const error = await page.waitForSelector("#wt-error", { timeout: 60_000 });
  assert.match(await error.textContent(), /the river is dry/);
  assert.equal(await page.textContent("#wt-status"), "failed");
  // The failing task, then the author's own frames; the framework's are folded.
  assert.match(await page.textContent("#wt-failed-task"), /step/);
  assert.equal(await page.getAttribute("#wt-task-step", "data-state"), "failed");
  const own = await page.textContent("#wt-own-frames");
  assert.match(own, /launchpad_tasks/);
  assert.match(own, /raise ValueError\(msg\)/);
  assert.doesNotMatch(own, /wt_task|pydantic|wt_failing_workflow/);
  assert.equal(await page.isVisible("#wt-trace pre"), false);
  await page.click("#wt-trace summary");
  assert.match(await page.textContent("#wt-trace pre"), /Traceback/);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/launchpad-failure.png`, fullPage: true });
  await page.close();
});

test("a setting the server leaves unset is asked for, sent and shown as it is", async () => {
  const { page, problems } = await open("/ui?workflow=wt-owner-workflow");
  const input = await page.waitForSelector("#wt-setting-LAUNCHPAD_OWNER");
  assert.equal(await input.getAttribute("type"), null);
  assert.match(await page.textContent(".settings"), /spec\.yaml line \d+/);
  await page.fill("#wt-setting-LAUNCHPAD_OWNER", "Ada Lovelace");
  await page.click("#wt-run");
  const result = await page.waitForSelector("#wt-result", { timeout: 60_000 });
  // A setting is not a secret: the answer shows it.
  assert.equal(JSON.parse(await result.textContent()), "Ada Lovelace");
  assert.deepEqual(problems, []);
  await page.close();
});

test("a skipped task is shown skipped in the run's DAG", async () => {
  const { page, problems } = await open("/ui?workflow=wt-safe-sqrt-workflow");
  await page.waitForSelector("#root_difference_a");
  await page.fill("#root_difference_a", "-5");
  await page.fill("#root_difference_b", "1");
  await page.click("#wt-run");
  await page.waitForSelector("#wt-result", { timeout: 60_000 });
  assert.equal(await page.getAttribute("#wt-task-difference", "data-state"), "succeeded");
  assert.equal(await page.getAttribute("#wt-task-root", "data-state"), "skipped");
  assert.match(await page.textContent("#wt-task-root"), /skipped/);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a fan-out is shown live: running, its elements counted, then done", async () => {
  const { page, problems } = await open("/ui?workflow=wt-slow-fan-out-workflow");
  await page.waitForSelector("#root_numbers_n");
  await page.fill("#root_numbers_n", "4");
  await page.click("#wt-run");
  await page.waitForSelector('#wt-task-squares[data-state="running"]', { timeout: 60_000 });
  assert.equal(await page.getAttribute("#wt-task-numbers", "data-state"), "succeeded");
  assert.match(await page.textContent("#wt-task-squares"), /[0-3]\/4 elements/);
  assert.equal(await page.textContent("#wt-status"), "running");
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/launchpad-live.png`, fullPage: true });
  await page.waitForSelector('#wt-task-squares[data-state="succeeded"]', { timeout: 60_000 });
  assert.match(await page.textContent("#wt-task-squares"), /4\/4 elements/);
  const result = await page.waitForSelector("#wt-result");
  assert.deepEqual(JSON.parse(await result.textContent()), [0, 1, 4, 9]);
  assert.deepEqual(problems, []);
  await page.close();
});

test("a secret reaches the run and never appears in the page", async () => {
  const { page } = await open("/ui?workflow=wt-reveal-workflow");
  await page.waitForSelector("#root_step_name");
  await page.fill("#root_step_name", "LAUNCHPAD_TOKEN");
  await page.click("#wt-add-secret");
  await page.fill("#wt-secret-name-0", "LAUNCHPAD_TOKEN");
  await page.fill("#wt-secret-value-0", SECRET);
  assert.equal(await page.getAttribute("#wt-secret-value-0", "type"), "password");
  await page.click("#wt-run");
  const result = await page.waitForSelector("#wt-result", { timeout: 60_000 });
  // The workflow returned the secret; the server masked it.
  assert.equal(JSON.parse(await result.textContent()), "***");
  const leaked = await page.evaluate(
    (secret) =>
      document.documentElement.outerHTML.includes(secret) ||
      [...document.querySelectorAll("input")].some((i) => i.value.includes(secret)),
    SECRET,
  );
  assert.equal(leaked, false);
  await page.close();
});

test("enums are dropdowns, dates have pickers, defaults are prefilled", async () => {
  const { page } = await open("/ui?workflow=wt-choose-workflow");
  await page.waitForSelector("#root_step_unit");
  assert.equal(await page.evaluate(() => document.querySelector("#root_step_unit").tagName), "SELECT");
  const labels = await page.$$eval("#root_step_unit option", (os) => os.map((o) => o.textContent));
  assert.ok(labels.includes("C") && labels.includes("F"), labels.join(","));
  assert.equal(await page.$eval("#root_step_unit", (s) => s.selectedOptions[0].textContent), "F");
  assert.equal(await page.getAttribute("#root_step_day", "type"), "date");
  assert.equal(await page.inputValue("#root_step_day"), "2026-01-31");
  await page.selectOption("#root_step_unit", { label: "C" });
  await page.fill("#root_step_day", "2026-03-04");
  await page.click("#wt-run");
  const result = await page.waitForSelector("#wt-result", { timeout: 60_000 });
  assert.equal(JSON.parse(await result.textContent()), "2026-03-04 in C");
  await page.close();
});

test("readable at 360 px wide", async () => {
  const { page } = await open("/ui?workflow=wt-station-report-workflow", { width: 360, height: 800 });
  await page.waitForSelector("form.rjsf");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `the page is ${overflow} px wide`);
  if (SHOTS) {
    const wide = await browser.newPage({ viewport: { width: 900, height: 900 } });
    await wide.goto(`${BASE}/ui?workflow=wt-station-report-workflow`);
    await wide.waitForSelector("form.rjsf");
    await wide.screenshot({ path: `${SHOTS}/launchpad-form.png`, fullPage: true });
    await wide.close();
  }
  await page.close();
});
