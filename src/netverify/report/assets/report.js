// netverify HTML report: draws the connectivity graph the page carries (#nv-data) with cytoscape.js and
// keeps it in step with the filters (namespaces, a workload name, grouping by namespace).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("nv-data").textContent);
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var nsBox = document.getElementById("nv-ns-filter");
  var nameInput = document.getElementById("nv-workload-filter");
  var groupBox = document.getElementById("nv-group");
  var stats = document.getElementById("nv-graph-stats");
  var selected = document.createElement("p");
  selected.id = "nv-selected";
  document.getElementById("nv-graph").insertAdjacentElement("afterend", selected);

  data.namespaces.forEach(function (ns) {
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox"; box.checked = true; box.value = ns; box.className = "nv-ns";
    label.appendChild(box);
    label.appendChild(document.createTextNode(" " + (ns || "outside the cluster")));
    nsBox.appendChild(label);
  });
  groupBox.checked = !!data.grouped;

  var COLORS = { allowed: "#2da44e", added: "#cf222e", violated: "#cf222e", removed: "#8c959f", witness: "#0969da",
                 "new-workload": "#9a6700" };
  var style = [
    { selector: "node", style: {
      "label": "data(label)", "font-size": 11, "text-valign": "center", "text-halign": "center",
      "shape": "round-rectangle", "background-color": "#ddf4ff", "border-color": "#0969da", "border-width": 1,
      "width": function (n) { return Math.min(220, Math.max(40, 7 * n.data("label").length)); }, "height": 24,
      "text-wrap": "ellipsis", "text-max-width": 210 } },
    { selector: "node[kind = 'ip']", style: { "shape": "cut-rectangle", "background-color": "#fff1e5", "border-color": "#bc4c00" } },
    { selector: "node[kind = 'pod']", style: { "border-style": "dashed", "background-color": "#fff8c5", "border-color": "#9a6700" } },
    { selector: "node[kind = 'namespace']", style: { "background-color": "#eaeef2", "border-color": "#57606a" } },
    { selector: ":parent", style: { "text-valign": "top", "text-halign": "center", "font-weight": "bold",
      "background-color": "#f6f8fa", "background-opacity": 0.8, "border-color": "#8c959f", "padding": 14 } },
    { selector: "edge", style: {
      "curve-style": "unbundled-bezier", "control-point-distances": "data(bend)", "control-point-weights": 0.5,
      "target-arrow-shape": "triangle", "width": 2, "label": "data(label)", "font-size": 10,
      "text-rotation": "autorotate", "text-background-color": "#ffffff", "text-background-opacity": 0.85,
      "text-background-padding": 2, "line-color": function (e) { return COLORS[e.data("kind")] || "#57606a"; },
      "target-arrow-color": function (e) { return COLORS[e.data("kind")] || "#57606a"; } } },
    { selector: "edge[kind = 'removed']", style: { "line-style": "dashed" } },
    { selector: "edge[kind = 'violated']", style: { "width": 3 } }
  ];
  var cy = cytoscape({ container: document.getElementById("nv-graph"), elements: [], style: style,
                       wheelSensitivity: 0.3, minZoom: 0.1, maxZoom: 3 });
  cy.on("tap", "edge", function (e) { selected.textContent = e.target.data("title"); });
  cy.on("tap", "node", function (e) { selected.textContent = e.target.data("title") || e.target.id().replace(/^\w+:/, ""); });

  function checkedNamespaces() {
    var set = {};
    Array.prototype.forEach.call(nsBox.querySelectorAll("input.nv-ns"), function (b) { if (b.checked) set[b.value] = true; });
    return set;
  }

  function matches(node, text) {  // the id holds ns/name[Kind]: "web/" finds everything in or out of web
    return node.id.toLowerCase().indexOf(text) >= 0 || node.label.toLowerCase().indexOf(text) >= 0;
  }

  function visibleEdges() {
    var ns = checkedNamespaces();
    var text = nameInput.value.trim().toLowerCase();
    return data.edges.filter(function (e) {
      var s = byId[e.source], t = byId[e.target];
      if (!(ns[s.namespace] && ns[t.namespace])) return false;
      return !text || matches(s, text) || matches(t, text);
    });
  }

  function bend(edgeData) {  // parallel edges of one pair fan out instead of drawing over each other
    var seen = {};
    edgeData.forEach(function (d) {
      var key = d.source + "\u0000" + d.target;
      seen[key] = (seen[key] || 0) + 1;
      d.bend = 30 + 36 * (seen[key] - 1);
    });
  }

  function elements(edges, grouped) {
    var nodes = {}, out = [];
    function add(id) {
      var n = byId[id];
      if (!n || nodes[id]) return;
      nodes[id] = true;
      var d = { id: n.id, label: n.label, kind: n.kind };
      if (n.parent && !grouped) { d.parent = n.parent; add(n.parent); }
      out.push({ group: "nodes", data: d });
    }
    if (!grouped) {
      var copies = edges.map(function (e) { return Object.assign({}, e); });
      bend(copies);
      copies.forEach(function (e) { add(e.source); add(e.target); out.push({ group: "edges", data: e }); });
      return out;
    }
    var pairs = {};
    edges.forEach(function (e) {
      var s = byId[e.source].parent, t = byId[e.target].parent;
      add(s); add(t);
      var key = s + "\u0000" + t + "\u0000" + e.kind;
      if (!pairs[key]) pairs[key] = { id: "g" + Object.keys(pairs).length, source: s, target: t, kind: e.kind, n: 0, titles: [] };
      pairs[key].n += 1; pairs[key].titles.push(e.title);
    });
    var grouped_edges = Object.keys(pairs).map(function (k) {
      var p = pairs[k];
      return { id: p.id, source: p.source, target: p.target, kind: p.kind,
               label: p.n + " connection" + (p.n === 1 ? "" : "s"), title: p.titles.join("\n") };
    });
    bend(grouped_edges);
    grouped_edges.forEach(function (d) { out.push({ group: "edges", data: d }); });
    return out;
  }

  // A deterministic layout: namespaces on a grid (as many columns as the window holds), each namespace's
  // members stacked in it. The same input always draws the same picture, at any size.
  function positions(grouped) {
    var groups = [], members = {};
    cy.nodes().forEach(function (n) {
      if (grouped || n.data("kind") !== "namespace") {
        var g = grouped ? "" : (n.data("parent") || "");
        if (!members[g]) { members[g] = []; groups.push(g); }
        members[g].push(n.id());
      }
    });
    var width = document.getElementById("nv-graph").clientWidth || 800;
    var cellW = 300, rowGap = 60;
    var cols = grouped ? Math.max(1, Math.floor(width / cellW)) : Math.max(1, Math.min(groups.length, Math.floor(width / cellW)));
    var pos = {}, y = 0;
    if (grouped) {
      members[""].sort().forEach(function (id, i) { pos[id] = { x: (i % cols) * cellW, y: Math.floor(i / cols) * 120 }; });
      return function (n) { return pos[n.id()]; };
    }
    groups.sort(function (a, b) { return (byId[a] ? byId[a].label : "").localeCompare(byId[b] ? byId[b].label : ""); });
    for (var row = 0; row * cols < groups.length; row++) {
      var tallest = 0;
      for (var c = 0; c < cols && row * cols + c < groups.length; c++) {
        var ids = members[groups[row * cols + c]].sort();
        ids.forEach(function (id, j) { pos[id] = { x: c * cellW + (j % 2) * 24, y: y + j * 44 }; });
        tallest = Math.max(tallest, ids.length);
      }
      y += tallest * 44 + rowGap + 40;
    }
    return function (n) { return pos[n.id()] || { x: 0, y: 0 }; };
  }

  function apply() {
    var edges = visibleEdges();
    var grouped = groupBox.checked;
    cy.elements().remove();
    cy.add(elements(edges, grouped));
    cy.layout({ name: "preset", positions: positions(grouped), padding: 24 }).run();
    cy.fit(undefined, 24);
    if (cy.zoom() > 1.1) { cy.zoom(1.1); cy.center(); }  // a small graph stays at reading size
    var shown = cy.nodes().filter(function (n) { return n.data("kind") !== "namespace" || grouped; }).length;
    stats.textContent = (grouped ? shown + " namespaces, " : shown + " nodes, ") + cy.edges().length + " edges shown";
  }

  nsBox.addEventListener("change", apply);
  nameInput.addEventListener("input", apply);
  groupBox.addEventListener("change", apply);
  var resizing = null;
  window.addEventListener("resize", function () { clearTimeout(resizing); resizing = setTimeout(apply, 150); });
  window.netverifyReport = { cy: cy, data: data, apply: apply };
  apply();
})();
