// The lesson player's side of server-measured study time (xueshi.learning.study).
// The page asks for a heartbeat token when playing starts, then sends one heartbeat every
// `data-every` seconds, and at once on pause, seek and end. Each heartbeat spends its token
// and receives the next: requests go one at a time, in order. A heartbeat reports the
// stretch since the one before: when the page is hidden the page reports the visible
// stretch that just ended, pauses the video and sends nothing while hidden; when it is
// shown again its first heartbeat says the stretch was hidden, so the server credits nothing
// for it (ADR 0017). The page only reports; the server decides what is credited and when a
// lesson is complete.
"use strict";

(function () {
  const box = document.getElementById("player");
  if (!box) return;
  const video = document.getElementById("lesson-video");
  const status = document.getElementById("study-status");
  const total = document.getElementById("study-total");
  const every = Math.max(5, Number(box.dataset.every || 30)) * 1000;
  let token = "";
  let starting = null;
  let chain = Promise.resolve();
  let timer = null;
  let stopped = false;
  let reading = false;
  let gap = false;  // the stretch the next heartbeat closes was hidden (in part)

  function say(text) { if (status) status.textContent = text; }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = { ok: false, message: "服务器没有回应，请稍后重试。" }; }
    return data;
  }

  function start() {
    if (token || stopped) return Promise.resolve();
    if (!starting) {
      starting = post(box.dataset.start).then(function (data) {
        if (!data.ok) { stop(data.message); return; }
        token = data.token;
        say("正在计时。");
        timer = window.setInterval(tick, every);
      });
    }
    return starting;
  }

  function tick() {
    if (document.visibilityState === "visible") beat();
  }

  function stop(message) {
    stopped = true;
    if (timer) window.clearInterval(timer);
    if (video && !video.paused) video.pause();
    say(message);
  }

  function state(seen) {
    const visible = seen === undefined ? document.visibilityState === "visible" : seen;
    if (video) {
      return { position: video.currentTime, playing: !video.paused || video.ended, visible: visible };
    }
    return { position: 0, playing: reading, visible: visible };
  }

  // `seen`: whether the stretch this heartbeat closes was visible (default: the page now).
  function beat(seen) {
    if (!token || stopped) return chain;
    const sent = Object.assign({ token: token }, state(gap ? false : seen));
    gap = false;
    token = "";
    chain = chain.then(function () {
      return post(box.dataset.heartbeat, sent).then(function (data) {
        if (!data.ok) { stop(data.message); return; }
        token = data.token;
        if (total) total.textContent = Math.floor(data.total) + " 秒";
        if (data.complete) { say("本课时已学完。"); }
        else { say("正在计时：" + data.message + "（本次 " + data.credited + " 秒）"); }
        if (gap) beat();  // shown again while this one was on its way
      });
    });
    return chain;
  }

  if (video) {
    video.addEventListener("play", function () { start(); });
    ["pause", "seeked", "ended"].forEach(function (name) {
      video.addEventListener(name, function () { beat(); });
    });
  } else {
    const button = document.getElementById("read-start");
    if (button) {
      button.addEventListener("click", function () {
        reading = true;
        button.disabled = true;
        start();
      });
    }
  }
  let hiddenAt = 0;
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      if (hiddenAt) return;
      hiddenAt = Date.now();
      beat(true);  // the stretch up to now was seen
      if (video && !video.paused) video.pause();
      if (token || starting) say("页面不可见，已暂停计时。");
    } else if (hiddenAt) {
      hiddenAt = 0;
      gap = true;  // the stretch just ended was hidden: it earns nothing
      beat();
    }
  });
})();
