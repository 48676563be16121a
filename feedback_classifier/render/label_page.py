"""The label app's single page: HTML, CSS and JavaScript inline, no external resources.

The page asks the local server for the state (``/api/state``) and posts decisions; every
piece of comment text is put into the page with ``textContent``, never as HTML. A request that
fails (the server's error, or no server at all) leaves the comment on screen and a message above
it until the next request succeeds; an error is never drawn as state. Keyboard:
Enter or ``a`` accepts the ticked categories; a number toggles that category (its digits
typed quickly for 10 and above; the hint names the last); ``/`` then a name filters the categories, Enter toggles the
match (one named exactly so first); ``s`` skips; ``u`` or Ctrl+Z undoes the last decision; ``b`` or ← goes back. Letters are
read by the key's place (``e.code``), so they work in any layout (``ф`` on a Russian one is ``a``);
with Ctrl, Cmd or Alt held they are the browser's (Ctrl+A selects), never a decision.

For screen readers, speech input and keyboard-only use: Enter or Space on a focused button presses
that button (Tab to Skip, Enter: a skip, not an accept); the categories are one group of checkboxes,
a single tab stop whose arrows move and Space ticks; the progress line and the ticked list are live
regions, so a save or a number key's tick is read out; a switch in the header turns the single-key
shortcuts off (WCAG 2.1.4: a speech-input user's dictated words would otherwise trigger them), kept in
the browser's localStorage.
"""

from __future__ import annotations

import html

_CSS = """
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
background:#f5f7fa;color:#1d2430}header{background:#1f2d44;color:#fff;padding:10px 16px;display:flex;
flex-wrap:wrap;gap:6px 16px;align-items:baseline}header h1{font-size:17px;margin:0}#progress{font-size:14px;
color:#c9d3e3}#keyswitch{font-size:14px;color:#c9d3e3;margin-left:auto}main{max-width:1100px;margin:0 auto;padding:14px;display:grid;grid-template-columns:minmax(0,3fr)
minmax(0,2fr);gap:14px}@media (max-width:760px){main{grid-template-columns:1fr}
main>.card:first-child{position:sticky;top:0;z-index:1;max-height:45vh;overflow:auto;box-shadow:0 2px 6px #0002}
#cats{max-height:none}#keys{display:none}}.card{background:#fff;
border:1px solid #dfe3ea;border-radius:10px;padding:14px 16px}#text{font-size:19px;white-space:pre-wrap;
overflow-wrap:anywhere;margin:0 0 8px;max-height:60vh;overflow:auto}#hint{color:#8a5700;font-size:14px;min-height:1em}#chosen{font-weight:600;color:#2f5fa8;margin:0 0 4px}#cats{list-style:none;
margin:0;padding:0;max-height:62vh;overflow:auto}#cats li{padding:5px 6px;
border-radius:6px;cursor:pointer}#cats .box{display:flex;gap:8px;align-items:center}#cats li.child{padding-left:26px}#cats li.on{background:#e3edfb}
#cats .box::before{content:"";flex:none;width:16px;height:16px;border:2px solid #5b6675;border-radius:3px;font:bold 13px/12px system-ui,sans-serif;text-align:center}
#cats li.on .box::before{content:"✓";background:#2f5fa8;border-color:#2f5fa8;color:#fff}
#cats .box:focus-visible,button:focus-visible{outline:3px solid #2f5fa8;outline-offset:2px}
#cats li.hidden{display:none}#cats .n{font:12px ui-monospace,monospace;color:#5b6675;min-width:2.4em}
#cats .c{margin-left:auto;font-size:12px;color:#5b6675}#filter.none{outline:2px solid #c0392b}#filter{width:100%;padding:8px;font-size:15px;
margin:0 0 8px;border:1px solid #c5ccd8;border-radius:6px}.buttons{display:flex;flex-wrap:wrap;gap:8px;
margin-top:10px}button{font-size:15px;padding:8px 14px;border-radius:6px;border:1px solid #9aa6b8;
background:#fff;cursor:pointer}button.primary{background:#2f5fa8;color:#fff;border-color:#2f5fa8}button.primary kbd{color:#1d2430}
kbd{font:12px ui-monospace,monospace;background:#eef1f5;border:1px solid #ccd3dd;border-radius:4px;padding:0 4px}
#keys{font-size:13px;color:#5b6675;margin-top:10px}#done{display:none;font-size:18px}
#error{background:#fdecea;color:#8a1c12;border:1px solid #f0b4ad;border-radius:6px;padding:8px 10px;margin:0 0 10px;
font-weight:600;overflow-wrap:anywhere}#error[hidden]{display:none}
"""

_JS = r"""
const $=id=>document.getElementById(id);let S=null,ticked=new Set(),digits="",digitTimer=null,busy=false;
async function call(path,body){busy=true;try{let r,s=null;try{r=await fetch(path,body===undefined?{}:{method:"POST",
headers:{"Content-Type":"application/json"},body:JSON.stringify(body)});}catch(e){return fail(DOWN);}
try{s=await r.json();}catch(e){}if(!r.ok||!s||s.error||!s.categories)
return fail((body===undefined?T.could_not_load:T.not_saved)+(s&&s.error||`${T.answered} ${r.status}`));
if(s.stale)fail(T.stale);else $("error").hidden=true;draw(s);}finally{busy=false;}}
const DOWN=T.down;
function fail(msg){const e=$("error");e.textContent=msg;e.hidden=false;}
function draw(s){S=s;const it=s.item;$("done").style.display=it?"none":"block";$("work").style.display=it?"block":"none";
$("progress").textContent=`${s.labelled} ${T.labelled} · ${s.skipped} ${T.skipped} · ${s.remaining} ${T.to_go}`+
(s.back?` · ${T.going_back} (${s.back})`:"")+(s.retraining?` · ${s.preparing?T.preparing:T.retraining}`:"")+` · ${T.suggestions}: ${s.model}`+
(s.retrains?` (${T.retrained} ${s.retrains}×)`:"");if(!it)return;$("text").textContent=it.shown;
$("text").dataset.row=it.row;$("hint").textContent=it.hint?T.suggested+it.hint:"";ticked=new Set(it.ticked);
const ul=$("cats");if(ul.children.length!==s.categories.length){ul.textContent="";s.categories.forEach((c,i)=>{
const li=document.createElement("li");li.dataset.i=i;li.setAttribute("role","none");li.dataset.search=c.search||c.name.toLowerCase();if(c.child)li.className="child";const n=document.createElement("span");
n.className="n";n.textContent=i+1;const name=document.createElement("span");name.className="name";name.textContent=c.name;
const cnt=document.createElement("span");cnt.className="c";const box=document.createElement("span");
box.className="box";box.setAttribute("role","checkbox");box.tabIndex=i?-1:0;box.append(n,name,cnt);li.append(box);li.onclick=()=>toggle(i);ul.append(li);});}
$("lastkey").textContent=s.categories.length;
[...ul.children].forEach((li,i)=>{li.querySelector(".c").textContent=s.counts[i];});paint();}
function paint(){[...$("cats").children].forEach((li,i)=>{li.classList.toggle("on",ticked.has(i));
li.firstChild.setAttribute("aria-checked",ticked.has(i)?"true":"false");});
const names=[...ticked].sort((a,b)=>a-b).map(i=>`${i+1} ${S.categories[i].path||S.categories[i].name}`);
$("chosen").textContent=names.length?T.ticked+names.join(" · "):T.ticked_none;}
function toggle(i){if(i<0||!S||i>=S.categories.length)return;ticked.has(i)?ticked.delete(i):ticked.add(i);paint();}
function accept(){if(S&&S.item&&!busy)call("/api/decide",{row:S.item.row,labels:[...ticked]});}
function skip(){if(S&&S.item&&!busy)call("/api/decide",{row:S.item.row,skip:true});}
function undo(){if(!busy)call("/api/undo",{});}function back(){if(!busy)call("/api/back",{});}
function move(li,d){const v=[...$("cats").children].filter(x=>!x.classList.contains("hidden")),x=v[v.indexOf(li)+d];
if(x){[...$("cats").children].forEach(y=>y.firstChild.tabIndex=-1);x.firstChild.tabIndex=0;x.firstChild.focus();}}
function flushDigits(){if(digits)toggle(parseInt(digits,10)-1);digits="";clearTimeout(digitTimer);}
function query(){return $("filter").value.replace(/>/g," ").replace(/\s+/g," ").trim().toLowerCase();}
function matches(){const q=query(),words=q.split(" ");const m=[...$("cats").children].filter(li=>{
const ok=!q||words.every(w=>li.dataset.search.includes(w));li.classList.toggle("hidden",!ok);return ok;});
$("filter").classList.toggle("none",!!q&&!m.length);return m;}
$("filter").addEventListener("input",matches);
$("filter").addEventListener("keydown",e=>{if(e.key==="Enter"){e.preventDefault();const m=matches(),q=query();
const x=m.find(li=>li.dataset.search.split(" | ").includes(q))||m[0];if(x)toggle(parseInt(x.dataset.i,10));$("filter").value="";matches();$("filter").blur();}
else if(e.key==="Escape"){$("filter").value="";matches();$("filter").blur();}e.stopPropagation();});
document.addEventListener("keydown",e=>{if(e.target===$("filter")||e.target===$("keyson"))return;
const li=e.target.closest&&e.target.closest("#cats li");
if(li&&!e.ctrlKey&&!e.metaKey&&!e.altKey&&[" ","ArrowDown","ArrowUp"].includes(e.key)){e.preventDefault();
if(e.key===" ")toggle(parseInt(li.dataset.i,10));else move(li,e.key==="ArrowDown"?1:-1);return;}
if((e.key==="Enter"||e.key===" ")&&e.target.closest&&e.target.closest("button,a,input,summary"))return;
if((e.ctrlKey||e.metaKey)&&!e.altKey&&e.code==="KeyZ"){e.preventDefault();undo();return;}
if(e.ctrlKey||e.metaKey||e.altKey)return;
const k=/^Key[A-Z]$/.test(e.code)?e.code.slice(3).toLowerCase():e.code==="Slash"?"/":e.key;
if(!$("keyson").checked&&k.length===1)return;
if(/^[0-9]$/.test(k)){digits+=k;clearTimeout(digitTimer);if(S&&parseInt(digits+"0",10)>S.categories.length)flushDigits();
else digitTimer=setTimeout(flushDigits,700);e.preventDefault();return;}flushDigits();
if(k==="Enter"||k==="a"){e.preventDefault();accept();}else if(k==="s"){skip();}
else if(k==="u"){e.preventDefault();undo();}
else if(k==="b"||k==="ArrowLeft"){back();}else if(k==="/"){e.preventDefault();$("filter").focus();}});
$("keyson").checked=localStorage.getItem("fc-single-keys")!=="off";
$("keyson").onchange=()=>localStorage.setItem("fc-single-keys",$("keyson").checked?"on":"off");
$("accept").onclick=accept;$("skip").onclick=skip;$("undo").onclick=undo;$("back").onclick=back;call("/api/state");
"""


def label_page(title: str, lang: str = "en") -> str:
    """The whole page as one HTML string (``title``: the taxonomy's name, escaped), its words in ``lang``.

    >>> page = label_page("cx <default>")
    >>> "cx &lt;default&gt;" in page, "http" in page.split("<script>")[0]
    (True, False)
    >>> "Принять" in label_page("cx", "ru")
    True
    """
    import json

    from feedback_classifier.lang.ui import ui_text

    def say(key: str, **values: str) -> str:
        return ui_text(lang, f"label.{key}", **values)

    words = ("could_not_load", "not_saved", "stale", "down", "answered", "labelled", "skipped", "to_go", "going_back",
             "retraining", "preparing", "suggestions", "retrained", "suggested", "ticked", "ticked_none")
    # "</" cannot end the script early: the words are JSON with "<" escaped
    table = json.dumps({w: say(w) for w in words}, ensure_ascii=False).replace("<", "\\u003c")
    kbd = {k: f"<kbd>{html.escape(v)}</kbd>" for k, v in
           {"slash": "/", "enter": "Enter", "a": "a", "s": "s", "u": "u", "b": "b", "left": "←"}.items()}
    t = html.escape(title)
    e = {k: html.escape(say(k)) for k in ("title", "loading", "accept", "skip", "undo", "back", "done", "filter",
                                        "filter_name", "categories", "single_keys")}
    return f"""<!doctype html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">
<title>{e["title"]} · {t}</title>
<style>{_CSS}</style></head><body><header><h1>{e["title"]} · {t}</h1><span id="progress" role="status">{e["loading"]}</span>
<label id="keyswitch"><input type="checkbox" id="keyson" checked> {e["single_keys"]}</label></header>
<main><section class="card"><p id="error" role="alert" hidden></p>
<div id="work"><p id="text" aria-live="polite" tabindex="0"></p><p id="chosen" aria-live="polite"></p><p id="hint"></p><div class="buttons">
<button id="accept" class="primary">{e["accept"]} <kbd>Enter</kbd></button><button id="skip">{e["skip"]} <kbd>s</kbd></button>
<button id="undo">{e["undo"]} <kbd>u</kbd></button><button id="back">{e["back"]} <kbd>b</kbd></button></div>
<p id="keys"><kbd>1</kbd>…<kbd id="lastkey">9</kbd> {say("keys", **kbd)}</p></div>
<p id="done">{e["done"]}</p></section>
<section class="card"><input id="filter" placeholder="{e["filter"]}" aria-label="{e["filter_name"]}" autocomplete="off">
<ul id="cats" role="group" aria-label="{e["categories"]}"></ul></section></main><script>const T={table};{_JS}</script></body></html>"""
