// A browsable API page that needs no CDN: robots often sit on a LAN without internet.
export function docsPage(specUrl: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>TonyPi edge API</title><style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.4rem}details{background:#fff;border:1px solid #d8dde6;border-radius:6px;margin:.4rem 0;padding:.4rem .7rem}
summary{cursor:pointer}code{font:13px ui-monospace,monospace}.m{display:inline-block;min-width:4.2rem;font-weight:600}
.get{color:#1f6feb}.post{color:#1a7f37}.put{color:#9a6700}.delete{color:#cf222e}pre{background:#f3f5f8;padding:.5rem;overflow:auto}
@media (prefers-color-scheme:dark){body{background:#0f1218;color:#dfe5ee}details{background:#161b24;border-color:#2b3340}pre{background:#0b0e13}}
</style></head><body><h1>TonyPi edge API</h1><p>OpenAPI document: <a href="${specUrl}"><code>${specUrl}</code></a>.
Send <code>Authorization: Bearer &lt;access_token&gt;</code> from <code>POST /api/v1/auth/login</code>.</p><div id="ops">Loading…</div>
<script>
const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
fetch(${JSON.stringify(specUrl)}).then(r=>r.json()).then(spec=>{let h='';
for(const [path,ops] of Object.entries(spec.paths||{}))for(const [m,op] of Object.entries(ops)){
h+='<details><summary><span class="m '+m+'">'+m.toUpperCase()+'</span> <code>'+esc(path)+'</code> '+esc(op.summary||op.description||'')+'</summary>'
+'<pre>'+esc(JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2))+'</pre></details>'}
document.getElementById('ops').innerHTML=h}).catch(e=>{document.getElementById('ops').textContent='Could not load the document: '+e})
</script></body></html>`
}
