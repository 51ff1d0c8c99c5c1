// Handouts opened in a real browser with the network cut off: every chart must still draw (Plotly's svg.main-svg)
// and the page must not even try to fetch anything. Fails when the handouts hold no chart at all.
//   node tests/browser/handout.mjs ARTIFACTS_DIR HANDOUT.html...
import { mkdirSync, readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { launch, checks } from "./chromium.mjs";

const [artifacts, ...files] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await launch();
// Plotly.NET writes this comment into every chart's container.
const chartMarker = "Plotly chart will be drawn inside this DIV";
const expected = Object.fromEntries(files.map(f => [f, readFileSync(f, "utf8").split(chartMarker).length - 1]));
const failed = await checks([...files.map(file => [`${basename(file)} draws its ${expected[file]} chart(s) offline`, async () => {
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
  const fetched = [];
  await context.route("**/*", route => {
    const u = route.request().url();
    if (u.startsWith("file:") || u.startsWith("data:")) return route.continue();
    fetched.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", e => errors.push(e.message));
  await page.goto(pathToFileURL(resolve(file)).href);
  await page.waitForFunction(n => [...document.querySelectorAll(".js-plotly-plot")].filter(p => p.querySelector("svg.main-svg")).length >= n,
    expected[file], { timeout: 60_000 });
  await page.screenshot({ path: `${artifacts}/${basename(file, ".html")}.png`, fullPage: true });
  await context.close();
  if (fetched.length) throw new Error(`tried to fetch: ${fetched.join(", ")}`);
  if (errors.length) throw new Error(`script errors: ${errors.join("; ")}`);
}]), ["the handouts hold charts at all", () => {
  if (!Object.values(expected).some(n => n > 0)) throw new Error("no Plotly chart in any handout");
}]]);
await browser.close();
process.exit(failed ? 1 : 0);
