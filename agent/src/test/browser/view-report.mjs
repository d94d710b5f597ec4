// Opens connscope's HTML report in headless Chromium (Debian's, through playwright-core) and prints, as one JSON
// object on stdout, what a person sees: the header's counts, the peer table's rows, what the timeline drew, what the
// filters leave, the tooltip of a hovered connection, and every console error. ReportBrowserIT compares it with the
// JSON Lines file the report was made from; scripts/screenshot.sh uses it for docs/report.png.
//
// usage: node view-report.mjs REPORT.html [--mode check|timing|screenshot] [--screenshot PNG [--full-page]] [--width N] [--height N]
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const report = resolve(args[0]);
const mode = opt("--mode", "check");
const screenshot = opt("--screenshot", null);
const width = Number(opt("--width", "1600"));
const height = Number(opt("--height", "1000"));
const executablePath = process.env.CONNSCOPE_CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
const out = { consoleErrors: [], requestsToNetwork: [] };
try {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") out.consoleErrors.push(m.type() + ": " + m.text()); });
  page.on("pageerror", (e) => out.consoleErrors.push("pageerror: " + e.message));
  page.on("request", (r) => { if (!r.url().startsWith("file:")) out.requestsToNetwork.push(r.url()); });

  const started = Date.now();
  await page.goto(pathToFileURL(report).href, { waitUntil: "load", timeout: 120000 });
  await page.waitForFunction(() => window.connscopeReport && window.connscopeReport.ready, null, { timeout: 120000 });
  // One more frame: what is drawn is on screen.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  out.openMillis = Date.now() - started;
  out.pageReadyMillis = await page.evaluate(() => performance.now());
  out.firstDrawMillis = await page.evaluate(() => window.connscopeReport.stats.drawMillis);
  out.timings = await page.evaluate(() => window.connscopeReport.timings);

  const header = () => page.evaluate(() => {
    const t = (id) => { const e = document.getElementById(id); return e ? e.textContent : null; };
    return { closed: t("n-closed"), open: t("n-open"), failed: t("n-failed"), requests: t("n-requests"), peers: t("n-peers"),
             dropped: t("n-dropped"), untracked: t("n-untracked"), facts: t("facts"), problems: t("problems"), shown: t("shown") };
  });
  const rows = () => page.evaluate(() => Array.from(document.querySelectorAll("#peers tbody tr")).map((tr) => {
    const c = (id) => tr.querySelector("td.c-" + id).textContent.trim();
    return { peer: c("peer"), direction: c("direction"), connections: c("connections"), open: c("open"), failed: c("failed"),
             requests: c("requests"), reuse: c("reuse"), initiators: c("initiators"), reasons: c("reasons"),
             keepalive: c("keepalive"), pings: c("pings"), timeWait: c("time_wait"), ports: c("ports"), pools: c("pools") };
  }));
  const stats = () => page.evaluate(() => JSON.parse(JSON.stringify(window.connscopeReport.stats)));
  out.glance = await page.evaluate(() => Array.from(document.querySelectorAll("#glance li")).map((li) => li.textContent));
  out.header = await header();
  out.rows = await rows();
  out.statsFirstScreen = await stats();

  if (mode === "check" || mode === "timing") {
    // A screen tall enough for every lane, every peer unfolded: everything is drawn once.
    await page.click("#expand-all");
    await page.evaluate(() => {
      const wrap = document.getElementById("timeline-wrap");
      const lanes = window.connscopeReport.peers().reduce((s, p) => s + p.conns.length + 2, 0);
      wrap.style.height = Math.min(30000, lanes * 14 + 200) + "px";
      window.connscopeReport.render();
    });
    out.statsAll = await stats();
  }
  if (mode === "check") {
    // Hover the first connection lane of the first peer: the tooltip shows its record.
    const box = await page.evaluate(() => { const r = document.getElementById("timeline").getBoundingClientRect(); return { x: r.left, y: r.top }; });
    await page.mouse.move(box.x + 60, box.y + 18 + 7);
    out.tooltip = await page.evaluate(() => { const t = document.getElementById("tip"); return t.style.display === "block" ? t.textContent : null; });
    await page.mouse.move(1, 1);

    // Sorting by peer name, both ways.
    await page.click("th[data-col=peer]");
    out.sortedByPeer = (await rows()).map((r) => r.peer + " " + r.direction);
    await page.click("th[data-col=peer]");
    out.sortedByPeerDesc = (await rows()).map((r) => r.peer + " " + r.direction);

    // Zoom in twice: a quarter of the range, so fewer things are drawn.
    await page.click("#zoom-in");
    await page.click("#zoom-in");
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    out.statsZoomed = await stats();
    await page.click("#zoom-reset");

    out.filters = {};
    for (const dir of ["outbound", "inbound"]) {
      await page.selectOption("#f-direction", dir);
      out.filters[dir] = { rows: await rows(), stats: await stats(), shown: (await header()).shown };
    }
    await page.selectOption("#f-direction", "");
    const firstPeer = out.rows.length ? out.rows[0].peer : "";
    const needle = firstPeer.replace(/^.*:/, ":");
    await page.fill("#f-peer", needle);
    out.filters.peer = { needle, rows: await rows(), stats: await stats(), shown: (await header()).shown };
    await page.fill("#f-peer", "");
  }
  if (screenshot) {
    await page.evaluate(() => { document.getElementById("timeline-wrap").style.height = ""; window.connscopeReport.render(); });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    await page.screenshot({ path: screenshot, fullPage: args.includes("--full-page") });
    out.screenshot = screenshot;
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
