/*
 * The one CSS block and the one script of the pages, inlined, and the headers
 * that go with every answer.  The Content-Security-Policy allows exactly these
 * two by their SHA-256 hashes: no other inline code, no external asset.
 */
#include "fe.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

const char fe_css[] =
":root{color-scheme:light dark;--bg:#f5f6f8;--fg:#1b2330;--muted:#5a6474;--card:#fff;"
"--line:#dce1e9;--accent:#2d58cf;--accent-fg:#fff;--danger:#b42318;--ok:#1d7a46}"
"@media (prefers-color-scheme:dark){:root{--bg:#10141b;--fg:#e5e8ee;--muted:#9aa3b1;"
"--card:#19202d;--line:#2a3345;--accent:#82a6ff;--accent-fg:#0b1020;--danger:#ff8a80;"
"--ok:#6fd39b}}"
"*{box-sizing:border-box}"
"body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
"background:var(--bg);color:var(--fg)}"
"header{display:flex;justify-content:space-between;align-items:center;gap:1rem;"
"padding:.75rem 1.25rem;border-bottom:1px solid var(--line);background:var(--card)}"
"header nav{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}"
".brand{font-weight:700;text-decoration:none;color:var(--fg);letter-spacing:.02em}"
"main{max-width:42rem;margin:2rem auto;padding:0 1rem}main:has(table){max-width:64rem}"
".card{background:var(--card);border:1px solid var(--line);border-radius:12px;"
"padding:1.5rem;margin-bottom:1.25rem}"
"h1{font-size:1.5rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:0 0 .75rem}"
"p{margin:.5rem 0}a{color:var(--accent)}"
".count{margin:0 0 1rem}"
"#count{display:block;font-size:3.5rem;font-weight:700;line-height:1.1;"
"font-variant-numeric:tabular-nums}"
"button,.button{display:inline-block;font:inherit;font-weight:600;padding:.6rem 1.2rem;"
"border-radius:8px;border:1px solid var(--accent);background:var(--accent);"
"color:var(--accent-fg);cursor:pointer;text-decoration:none;text-align:center}"
".secondary{background:transparent;color:var(--accent)}"
".danger{background:transparent;color:var(--danger);border-color:var(--danger)}"
"button:disabled,.disabled{opacity:.55;cursor:not-allowed}"
"a:focus-visible,button:focus-visible{outline:3px solid var(--accent);outline-offset:2px}"
".muted{color:var(--muted)}.ok{color:var(--ok)}"
".code{font:700 2rem/1.2 ui-monospace,SFMono-Regular,Menlo,monospace;letter-spacing:.15em;"
"text-align:center;padding:.75rem;margin:1rem 0;border:2px dashed var(--line);border-radius:8px}"
".stack{display:flex;flex-direction:column;gap:.75rem}"
".actions{display:flex;gap:.75rem;flex-wrap:wrap;align-items:center;margin-top:1rem}"
"table{width:100%;border-collapse:collapse;font-size:.95rem}"
"th,td{text-align:left;padding:.5rem .35rem;border-bottom:1px solid var(--line);vertical-align:top}"
"td:nth-child(n+3),button{white-space:nowrap}"
".notice{padding:.75rem 1rem;border-radius:8px;border:1px solid var(--line);"
"background:var(--bg);margin-bottom:1rem}"
"form{margin:0}ul{padding-left:1.25rem}";

const char fe_js[] =
"(function(){"
"var f=document.getElementById('inc');"
"if(!f||!window.fetch||!window.URLSearchParams)return;"
"f.addEventListener('submit',function(e){"
"e.preventDefault();"
"var b=f.querySelector('button'),d=new URLSearchParams(new FormData(f));"
"d.delete('back');b.disabled=true;"
"fetch(f.action,{method:'POST',body:d,credentials:'same-origin',"
"headers:{'Accept':'application/json'}})"
".then(function(r){if(!r.ok)throw r;return r.json();})"
".then(function(j){document.getElementById('count').textContent=j.count;b.disabled=false;})"
".catch(function(){f.submit();});"
"});"
"})();";


static void
csp_hash(char *dst, size_t n, const char *text)
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
	sodium_bin2base64(dst, n, h, sizeof(h), sodium_base64_VARIANT_ORIGINAL);
}

int
assets_init(struct fe *fe)
{
	const char	**headers = fe->header_list;
	char		  css[64], js[64];
	size_t		  i = 0;
	int		  n;

	csp_hash(css, sizeof(css), fe_css);
	csp_hash(js, sizeof(js), fe_js);
	n = snprintf(fe->csp, sizeof(fe->csp), "default-src 'none'; style-src 'sha256-%s'; "
	    "script-src 'sha256-%s'; connect-src 'self'; img-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'", css, js);
	if (n < 0 || (size_t)n >= sizeof(fe->csp))
		return -1;
	headers[i++] = "Content-Security-Policy";
	headers[i++] = fe->csp;
	headers[i++] = "X-Content-Type-Options";
	headers[i++] = "nosniff";
	headers[i++] = "Referrer-Policy";
	headers[i++] = "no-referrer";
	headers[i++] = "X-Frame-Options";
	headers[i++] = "DENY";
	headers[i++] = "Cross-Origin-Opener-Policy";
	headers[i++] = "same-origin";
	headers[i++] = "Cross-Origin-Resource-Policy";
	headers[i++] = "same-origin";
	/* Every answer is per user or per moment: nothing may be stored. */
	headers[i++] = "Cache-Control";
	headers[i++] = "no-store";
	if (fe->conf.https) {
		headers[i++] = "Strict-Transport-Security";
		headers[i++] = "max-age=31536000";
	}
	headers[i] = NULL;
	fe->headers = headers;
	return 0;
}
