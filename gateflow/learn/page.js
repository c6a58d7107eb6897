// The learner's page: steps through the run written into #gf-data. Each step highlights
// nodes and wires (SVG ids from the exporter) and shows the wire labels it computes.
// Names only ever reach the page as text (textContent), never as HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("gf-data").textContent);
  var steps = data.steps, count = steps.length;
  var figure = document.getElementById("figure");
  var svg = figure.querySelector("svg");
  var text = document.getElementById("step-text");
  var counter = document.getElementById("counter");
  var slider = document.getElementById("slider");
  var play = document.getElementById("play");
  var panel = document.getElementById("wire");
  var KINDS = {inputs: "forward: the inputs", forward: "forward", seed: "backward: the seed",
               backward: "backward", sum: "backward: a fan-out adds up", done: "done"};
  var found = {};
  var current = -1, timer = null, lit = [], selected = null, marks = {};

  function byId(id) {
    if (!(id in found)) found[id] = document.getElementById(id);
    return found[id];
  }

  // a wire's label: line 0 is its value, line 1 its gradient
  function label(id, line) {
    var wire = byId(id);
    return wire ? wire.getElementsByTagName("text")[line] || null : null;
  }

  function mark(id, cls, on) {  // counted, so steps that mark the same node undo cleanly
    var key = cls + " " + id, n = (marks[key] || 0) + (on ? 1 : -1), node = byId(id);
    marks[key] = n;
    if (node) node.classList.toggle(cls, n > 0);
  }

  function reveal(step, on) {
    step.v.forEach(function (id) { var t = label(id, 0); if (t) t.classList.toggle("shown", on); });
    step.g.forEach(function (id) { var t = label(id, 1); if (t) t.classList.toggle("shown", on); });
    var cls = step.k === "inputs" || step.k === "forward" ? "computed"
            : step.k === "seed" || step.k === "backward" ? "reached" : null;
    if (cls) step.n.forEach(function (id) { mark(id, cls, on); });
  }

  function keepInView(element) {
    var box = figure.getBoundingClientRect(), r = element.getBoundingClientRect();
    if (r.left < box.left || r.right > box.right) figure.scrollLeft += (r.left + r.right - box.left - box.right) / 2;
    if (r.top < box.top || r.bottom > box.bottom) figure.scrollTop += (r.top + r.bottom - box.top - box.bottom) / 2;
  }

  function highlight(step) {
    lit.forEach(function (e) { e.classList.remove("active"); });
    lit = [];
    step.n.concat(step.w).forEach(function (id) {
      var e = byId(id);
      if (e) { e.classList.add("active"); lit.push(e); }
    });
    var box = byId("gf-collapsed");
    if (!lit.length && box) { box.classList.add("active"); lit.push(box); }  // a collapsed node's step
    if (lit.length) keepInView(lit[0]);
  }

  function go(k) {
    k = Math.max(0, Math.min(count - 1, k));
    if (k === current) return;
    var s;
    if (k > current) for (s = current + 1; s <= k; s++) reveal(steps[s], true);
    else for (s = current; s > k; s--) reveal(steps[s], false);
    current = k;
    var step = steps[k];
    highlight(step);
    text.textContent = step.t;
    text.className = step.k;
    counter.textContent = "step " + (k + 1) + " of " + count + " · " + KINDS[step.k];
    slider.value = String(k);
    if (selected) showWire(selected.id);
  }

  function setPlaying(on) {
    if (on && !timer) {
      if (current >= count - 1) go(0);
      timer = setInterval(function () {
        if (current >= count - 1) setPlaying(false); else go(current + 1);
      }, 1000);
    } else if (!on && timer) {
      clearInterval(timer);
      timer = null;
    }
    play.textContent = timer ? "❚❚ pause" : "▶ play";
    play.setAttribute("aria-pressed", timer ? "true" : "false");
  }

  function step(by) { setPlaying(false); go(current + by); }

  function showWire(id) {
    var wire = data.wires[id], element = byId(id);
    if (selected) selected.classList.remove("selected");
    selected = element;
    element.classList.add("selected");
    var lines = [wire.name];
    lines.push("value: " + (current >= wire.valueStep ? wire.value : "not computed yet"));
    if (wire.grad !== null) lines.push("gradient: " + (current >= wire.gradStep ? wire.grad : "not reached yet"));
    panel.textContent = lines.join("\n");
  }

  function fit() {  // lecture-sized for small graphs, a little smaller if that fits it, else scrolling
    var box = svg.viewBox.baseVal, room = (figure.clientWidth - 4) / box.width;
    var scale = room >= 0.8 ? Math.min(1.8, room) : 1;
    svg.setAttribute("width", String(box.width * scale));
    svg.setAttribute("height", String(box.height * scale));
  }

  steps.forEach(function (s, i) {
    s.v.forEach(function (id) { if (data.wires[id]) data.wires[id].valueStep = i; });
    s.g.forEach(function (id) { if (data.wires[id]) data.wires[id].gradStep = i; });
  });
  Object.keys(data.wires).forEach(function (id) {  // a wide, invisible stroke to click on
    var wire = byId(id), path = wire && wire.querySelector("path");
    if (!path) return;
    var hit = path.cloneNode(false);
    hit.setAttribute("class", "hit");
    wire.appendChild(hit);
    wire.classList.add("clickable");
  });
  svg.addEventListener("click", function (event) {
    var wire = event.target.closest("g.edge");
    if (wire && data.wires[wire.id]) showWire(wire.id);
  });
  document.getElementById("prev").addEventListener("click", function () { step(-1); });
  document.getElementById("next").addEventListener("click", function () { step(1); });
  play.addEventListener("click", function () { setPlaying(!timer); });
  slider.max = String(count - 1);
  slider.addEventListener("input", function () { setPlaying(false); go(Number(slider.value)); });
  Array.prototype.forEach.call(document.querySelectorAll("#controls button"), function (button) {
    button.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keys stay with the page
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target === slider && event.key.indexOf("Arrow") === 0) return;  // the slider steps itself
    if (target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) return;  // presses it
    var keys = {
      ArrowRight: function () { step(1); }, ArrowLeft: function () { step(-1); },
      " ": function () { setPlaying(!timer); },
      Home: function () { setPlaying(false); go(0); }, End: function () { setPlaying(false); go(count - 1); }
    };
    if (Object.prototype.hasOwnProperty.call(keys, event.key)) { event.preventDefault(); keys[event.key](); }
  });
  window.addEventListener("resize", fit);
  fit();
  go(0);
})();
