// Grade one server the way MDN's HTTP Observatory does, on any host and ports.
//
//   node tools/observatory.mjs HOST HTTP_PORT [HTTPS_PORT] [PATH]
//
// The Observatory's own CLI only scans public names on ports 80/443, so this calls the
// package's retriever, tests and grader (npm: @mdn/mdn-http-observatory, pinned in
// package.json) directly. For a self-signed certificate set NODE_EXTRA_CA_CERTS.
// Prints JSON: grade, score, tests passed, and every test's result.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.join(here, "..", "node_modules", "@mdn", "mdn-http-observatory");
if (!fs.existsSync(pkg)) {
  console.error("@mdn/mdn-http-observatory is not installed: run `npm ci --ignore-scripts`");
  process.exit(2);
}
// The package's install step downloads the browsers' HSTS preload list; installed with
// --ignore-scripts (and offline) there is none, which means "not preloaded".
const preload = path.join(pkg, "conf", "hsts-preload.json");
if (!fs.existsSync(preload)) fs.writeFileSync(preload, "{}");

const load = (file) => import(pathToFileURL(path.join(pkg, "src", file)).href);
const { retrieve } = await load("retriever/retriever.js");
const { ALL_TESTS, NUM_TESTS } = await load("constants.js");
const { MINIMUM_SCORE_FOR_EXTRA_CREDIT } = await load("grader/charts.js");
const { getGradeForScore, getScoreModifier } = await load("grader/grader.js");

const [host, httpPort, httpsPort, urlPath] = process.argv.slice(2);
if (!host || !httpPort) {
  console.error("usage: node tools/observatory.mjs HOST HTTP_PORT [HTTPS_PORT] [PATH]");
  process.exit(2);
}
// Port 1 is never listening: with no https port the https fetches simply fail.
const site = await retrieve(host, { httpPort, httpsPort: httpsPort || "1", path: urlPath || "/" });
if (!site.responses.auto) {
  console.log(JSON.stringify({ error: `nothing answered at ${host}:${httpPort}` }));
  process.exit(1);
}

// The Observatory's scoring: every test adds its modifier; bonuses only count when the
// penalties alone leave at least MINIMUM_SCORE_FOR_EXTRA_CREDIT.
let withBonuses = 100;
let penaltiesOnly = 100;
let passed = 0;
const tests = {};
for (const test of ALL_TESTS) {
  const outcome = test(site);
  const modifier = outcome.result ? getScoreModifier(outcome.result) : 0;
  withBonuses += modifier;
  if (modifier < 0) penaltiesOnly += modifier;
  if (outcome.pass) passed += 1;
  tests[outcome.constructor.name] = { result: outcome.result, pass: outcome.pass, modifier };
}
const score = penaltiesOnly >= MINIMUM_SCORE_FOR_EXTRA_CREDIT ? withBonuses : penaltiesOnly;
const { grade, score: shown } = getGradeForScore(score);
console.log(JSON.stringify({ grade, score: shown, passed, of: NUM_TESTS, tests }, null, 1));
