// 统计图表: each chart reads its data from the JSON the page carries (json_script) and draws
// with the vendored Apache ECharts (no inline script: the content security policy allows
// none). Tooltips are drawn on the canvas (richText), not as HTML with inline styles.
(function () {
  "use strict";
  function data() {
    var node = document.getElementById("chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }
  function compliance(element, d, horizontal) {
    var category = { type: "category", data: d.labels };
    var value = { type: "value", name: "人数" };
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: ["已达标", "未达标", "达标率"] },
      grid: { containLabel: true, left: 8, right: 40, bottom: 8 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : [value, { type: "value", name: "达标率%", max: 100 }],
      series: [
        { name: "已达标", type: "bar", stack: "people", data: d.compliant },
        { name: "未达标", type: "bar", stack: "people", data: d.not_compliant },
      ].concat(horizontal ? [] : [
        { name: "达标率", type: "line", yAxisIndex: 1, data: d.rate },
      ]),
    });
    return chart;
  }
  function backlog(element, d) {
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: d.buckets },
      grid: { containLabel: true, left: 8, right: 8, bottom: 8 },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value", name: "记录数" },
      series: d.buckets.map(function (bucket, n) {
        return {
          name: bucket,
          type: "bar",
          stack: "waiting",
          data: d.counts.map(function (row) { return row[n]; }),
        };
      }),
    });
    return chart;
  }
  function reviewTime(element, d) {
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: ["中位数", "90%分位数", "审核决定数"] },
      grid: { containLabel: true, left: 8, right: 40, bottom: 8 },
      xAxis: { type: "category", data: d.labels },
      yAxis: [{ type: "value", name: "工作日" }, { type: "value", name: "决定数" }],
      series: [
        { name: "中位数", type: "line", data: d.median },
        { name: "90%分位数", type: "line", data: d.p90 },
        { name: "审核决定数", type: "bar", yAxisIndex: 1, data: d.decisions },
      ],
    });
    return chart;
  }
  function online(element, d) {
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: ["完成课时", "学习人数"] },
      grid: { containLabel: true, left: 8, right: 8, bottom: 8 },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value" },
      series: [
        { name: "完成课时", type: "bar", data: d.lessons },
        { name: "学习人数", type: "line", data: d.learners },
      ],
    });
    return chart;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var all = data();
    if (!all || typeof echarts === "undefined") return;
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var name = element.getAttribute("data-chart");
      if (name === "backlog") {
        charts.push(backlog(element, all.backlog));
      } else if (name === "review_time") {
        charts.push(reviewTime(element, all.review_time));
      } else if (name === "online") {
        charts.push(online(element, all.online));
      } else {
        charts.push(compliance(element, all[name], name !== "trend"));
      }
      element.setAttribute("data-drawn", "true");
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
