// The console's only script (no framework, nothing fetched from elsewhere):
// confirmations, live checks of a quiz question while it is typed, and the reindex progress.
"use strict";

document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

function showProblems(box, problems) {
  box.textContent = "";
  if (!problems.length) {
    const ok = document.createElement("p");
    ok.className = "ok";
    ok.textContent = "✓ Câu hỏi hợp lệ: đáp án được chứng minh bởi quy định được dẫn.";
    box.appendChild(ok);
    return;
  }
  const list = document.createElement("ul");
  for (const text of problems) {
    const item = document.createElement("li");
    item.className = "error";
    item.textContent = text;
    list.appendChild(item);
  }
  box.appendChild(list);
}

const quizForm = document.getElementById("quiz-form");
if (quizForm) {
  const box = document.getElementById("quiz-problems");
  let timer = null;
  let sent = 0;
  const check = async () => {
    const mine = ++sent;
    const response = await fetch(quizForm.dataset.check, { method: "POST", body: new FormData(quizForm), credentials: "same-origin" });
    if (mine !== sent || !response.ok) return;
    const result = await response.json();
    showProblems(box, result.problems);
  };
  quizForm.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 400); });
  quizForm.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(check, 100); });
}

const progress = document.getElementById("reindex-progress");
if (progress && progress.dataset.running) {
  const lines = document.getElementById("reindex-lines");
  const result = document.getElementById("reindex-result");
  const poll = async () => {
    const response = await fetch(progress.dataset.url, { credentials: "same-origin" });
    if (!response.ok) return;
    const state = await response.json();
    lines.textContent = "";
    for (const text of state.lines) {
      const item = document.createElement("li");
      item.textContent = text;
      lines.appendChild(item);
    }
    if (state.running) { setTimeout(poll, 700); return; }
    result.textContent = state.result;
    result.className = state.failed ? "flash error" : "flash ok";
    const button = document.querySelector("#reindex-form button");
    if (button) button.disabled = false;
  };
  poll();
}
