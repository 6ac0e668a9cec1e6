// Bundles the reference mini-program's own pages for the browser: Tencent's component runtime (j-component on
// exparser, from miniprogram-simulate's dependencies), every page in app.json (its .wxml as text, .json, .js with
// the utils it requires), app.js and app.wxss, and runtime.js (the page stack, the DOM bridge and the wx shim).
// config.js is swapped for one that talks to the server the page came from.
//   node miniapp_api/simulator/mp/build.js OUTFILE
const path = require("node:path");
const fs = require("node:fs");

const HERE = __dirname;
const PROJECT = path.resolve(HERE, "..", "..", "..");
const MINIPROGRAM = path.join(PROJECT, "miniprogram");
const esbuild = require(path.join(MINIPROGRAM, "node_modules", "esbuild"));

const out = process.argv[2];
if (!out) throw new Error("usage: build.js OUTFILE");
const app = JSON.parse(fs.readFileSync(path.join(MINIPROGRAM, "app.json"), "utf8"));

const file = (p) => JSON.stringify(path.join(MINIPROGRAM, p));
const pageEntries = app.pages.map((page) => {
  const wxss = fs.existsSync(path.join(MINIPROGRAM, `${page}.wxss`)) ? `require(${file(`${page}.wxss`)})` : '""';
  return `  ${JSON.stringify(page)}: { js: () => require(${file(`${page}.js`)}), wxml: require(${file(`${page}.wxml`)}),
    json: require(${file(`${page}.json`)}), wxss: ${wxss} },`;
});
const entry = `const runtime = require(${JSON.stringify(path.join(HERE, "runtime.js"))});
runtime.start({
  appJson: require(${file("app.json")}),
  appWxss: require(${file("app.wxss")}),
  app: () => require(${file("app.js")}),
  pages: {
${pageEntries.join("\n")}
  },
});
`;

// The mini-program names its production host in config.js; in the browser it talks to the server it came from.
const sameOrigin = {
  name: "same-origin-config",
  setup(build) {
    build.onResolve({ filter: /config\.js$/ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path);
      return resolved === path.join(MINIPROGRAM, "config.js") ? { path: resolved, namespace: "banshi-config" } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: "banshi-config" }, () => ({ contents: 'module.exports = { baseUrl: "" };', loader: "js" }));
  },
};

// WXML's `{{text.length}}` read as "" when text is "": expr-parser guards member access with `o && o.key`, which
// answers the falsy object itself ("" or 0) instead of its member. WeChat reads the member (0), so a counter shows
// "0/500 字". Only a missing object (null/undefined) stops the lookup here.
const MEMBER_GUARDS = [["return o && o[key];", "return o == null ? o : o[key];"],
                       ["return o && getter(o);", "return o == null ? o : getter(o);"],
                       ["return data && data[key];", "return data == null ? data : data[key];"]];
const memberAccess = {
  name: "expr-parser-member-access",
  setup(build) {
    build.onLoad({ filter: /[\\/]expr-parser[\\/]index\.js$/ }, (args) => {
      let source = fs.readFileSync(args.path, "utf8");
      MEMBER_GUARDS.forEach(([from, to]) => {
        if (!source.includes(from)) throw new Error(`expr-parser changed: no "${from}" to mend`);
        source = source.split(from).join(to);
      });
      return { contents: source, loader: "js" };
    });
  },
};

esbuild.build({
  stdin: { contents: entry, resolveDir: HERE, sourcefile: "miniprogram-entry.js" },
  bundle: true,
  outfile: out,
  format: "iife",
  platform: "browser",
  target: "es2019",
  nodePaths: [path.join(MINIPROGRAM, "node_modules")],
  define: { global: "globalThis" },
  loader: { ".wxml": "text", ".wxss": "text" },
  plugins: [sameOrigin, memberAccess],
  logLevel: "warning",
}).catch(() => process.exit(1));
