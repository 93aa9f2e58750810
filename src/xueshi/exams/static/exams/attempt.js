// The exam page: every change is saved on the server at once (the server's copy is what an
// attempt closed at its deadline is scored on); the countdown only shows the server's
// deadline, and at zero the page reloads so that the server closes the attempt.
(() => {
  const form = document.querySelector("form[data-attempt]");
  if (!form) return;
  const status = document.getElementById("save-status");
  const clockEl = document.getElementById("time-left");
  let left = Number(form.dataset.secondsLeft);
  const answers = () => {
    const given = {};
    form.querySelectorAll("fieldset[data-question]").forEach((set) => {
      const picked = [...set.querySelectorAll("input:checked")].map((i) => i.value);
      if (picked.length) given[set.dataset.question] = picked.join("");
    });
    return given;
  };
  form.addEventListener("change", async () => {
    status.textContent = "正在保存…";
    try {
      const response = await fetch(form.dataset.save, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": form.dataset.csrf },
        body: JSON.stringify({ token: form.dataset.token, answers: answers() }),
      });
      const body = await response.json();
      status.textContent = response.ok ? "已保存" : body.error;
      if (body.closed) window.location.reload();
    } catch (error) {
      status.textContent = "网络中断，答案暂未保存；恢复后会再次保存。";
    }
  });
  const tick = () => {
    left -= 1;
    if (left <= 0) {
      window.location.reload();
      return;
    }
    const m = Math.floor(left / 60);
    const s = String(left % 60).padStart(2, "0");
    clockEl.textContent = `${m}:${s}`;
  };
  window.setInterval(tick, 1000);
})();
