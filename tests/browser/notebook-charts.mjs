// Notebooks run live in the Notebook that ./lab.sh serves, in Chromium, with everything but this machine cut off:
// every cell runs without an error, every chart draws (Plotly's svg.main-svg inside each .js-plotly-plot, one per
// "Plotly chart will be drawn inside this DIV" its outputs hold), and the page tries to fetch nothing from elsewhere.
//   node tests/browser/notebook-charts.mjs URL TOKEN ARTIFACTS_DIR NOTEBOOK.ipynb...   (paths under the server's root)
import { mkdirSync } from "node:fs";
import { launch, checks } from "./chromium.mjs";

const [url, token, artifacts, ...notebooks] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await launch();

const failed = await checks(notebooks.map(notebook => [`${notebook} draws every chart live in the Notebook, offline`, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const fetched = [];
  await context.route("**/*", route => {
    const u = route.request().url();
    // Loopback stays: the Notebook server, and the kernel's own HTTP side channel that its bootstrap probes.
    if (/^(data|blob):/.test(u) || /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(u)) return route.continue();
    fetched.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  const errors = [];
  page.on("pageerror", e => errors.push(e.message));
  await page.goto(`${url}/notebooks/${notebook}?token=${token}`);
  await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 180_000 });
  if (!(await page.evaluate(() => !!window.Jupyter?.notebook)))
    throw new Error("not the classic Notebook (no window.Jupyter.notebook): this check drives that UI only");
  // One cell at a time, each to completion, as a student runs them (the kernel loads packages per cell).
  const cells = await page.evaluate(() => Jupyter.notebook.get_cells().length);
  for (let i = 0; i < cells; i++) {
    const code = await page.evaluate(i => {
      const cell = Jupyter.notebook.get_cell(i);
      if (cell.cell_type !== "code") return false;
      cell.execute();
      return true;
    }, i);
    if (!code) continue;
    await page.waitForFunction(i => {
      const cell = Jupyter.notebook.get_cell(i);
      return typeof cell.input_prompt_number === "number";
    }, i, { timeout: 600_000, polling: 500 });
    const error = await page.evaluate(i => Jupyter.notebook.get_cell(i).output_area.outputs
      .filter(o => o.output_type === "error").map(o => `${o.ename}: ${o.evalue}`).join("; "), i);
    if (error) throw new Error(`cell ${i + 1}: ${error}`);
  }
  const expected = await page.evaluate(() => Jupyter.notebook.get_cells()
    .flatMap(c => c.output_area?.outputs ?? []).map(o => (o.data?.["text/html"] ?? ""))
    .join("").split("Plotly chart will be drawn inside this DIV").length - 1);
  if (expected === 0) throw new Error("the notebook's outputs hold no chart");
  await page.waitForFunction(n => [...document.querySelectorAll(".js-plotly-plot")].filter(p => p.querySelector("svg.main-svg")).length >= n,
    expected, { timeout: 60_000 }).catch(async () => {
    const drawn = await page.evaluate(() => [...document.querySelectorAll(".js-plotly-plot")].filter(p => p.querySelector("svg.main-svg")).length);
    throw new Error(`${drawn} of ${expected} charts drawn`);
  });
  // The notebook scrolls inside its own panel, so a full-page shot would stop at the fold: bring the last chart up.
  await page.locator(".js-plotly-plot").last().scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${artifacts}/${notebook.replace(/\W+/g, "-")}.png` });
  await context.close();
  if (fetched.length) throw new Error(`tried to fetch: ${[...new Set(fetched)].join(", ")}`);
  if (errors.length) throw new Error(`script errors: ${errors.join("; ")}`);
}]));
await browser.close();
process.exit(failed ? 1 : 0);
