// Render Mermaid diagrams to SVG with the real mermaid, in headless Chromium (Debian's /usr/bin/chromium).
//   node render.mjs OUTDIR FILE.mmd...
// Writes OUTDIR/<name>.svg for each diagram mermaid accepts, and prints one JSON line per file:
// {"file": ..., "ok": true, "svg": path} or {"file": ..., "ok": false, "error": message}. Exit 0 when every
// diagram rendered, 1 when one did not, 2 on a usage or browser error. Installed by scripts/mermaid.sh.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { basename, join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const here = dirname(fileURLToPath(import.meta.url));
const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0) {
  console.error("usage: node render.mjs OUTDIR FILE.mmd...");
  process.exit(2);
}
const chromium = process.env.SCHEMAGEN_CHROMIUM || "/usr/bin/chromium";

async function main() {
  await mkdir(outDir, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  let failed = 0;
  try {
    const page = await browser.newPage();
    await page.setContent("<!doctype html><html><body></body></html>");
    await page.addScriptTag({ path: join(here, "node_modules/mermaid/dist/mermaid.min.js") });
    await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" }));
    for (const [i, file] of files.entries()) {
      const text = await readFile(file, "utf8");
      const result = await page.evaluate(async (id, source) => {
        try {
          await window.mermaid.parse(source);  // throws on a syntax error
          const { svg } = await window.mermaid.render(id, source);
          return { ok: true, svg };
        } catch (e) {
          return { ok: false, error: String((e && e.message) || e) };
        }
      }, `diagram${i}`, text);
      if (result.ok && !result.svg.includes("<svg")) {
        result.ok = false;
        result.error = "mermaid returned no SVG";
      }
      if (result.ok) {
        const svgPath = join(outDir, basename(file).replace(/\.mmd$/, "") + ".svg");
        await writeFile(svgPath, result.svg);
        console.log(JSON.stringify({ file, ok: true, svg: svgPath }));
      } else {
        failed += 1;
        console.log(JSON.stringify({ file, ok: false, error: result.error }));
      }
    }
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`mermaid render: ${(e && e.message) || e}`);
  process.exit(2);
});
