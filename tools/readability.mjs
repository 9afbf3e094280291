// What Firefox's Reader View makes of a page: Mozilla's Readability (the library Reader
// View runs) on the HTML read from standard input, for the URL given.
//
//   node tools/readability.mjs URL < page.html
//
// Prints JSON: title, byline, publishedTime, excerpt, textContent, content (HTML).
import { Readability, isProbablyReaderable } from "@mozilla/readability";
import { JSDOM } from "jsdom";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const dom = new JSDOM(Buffer.concat(chunks).toString("utf8"), { url: process.argv[2] });
const readerable = isProbablyReaderable(dom.window.document);
const article = new Readability(dom.window.document).parse();
console.log(JSON.stringify({ readerable, ...article }));
