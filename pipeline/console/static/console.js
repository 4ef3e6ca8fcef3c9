// callsentry console: the transcript follows the redacted recording, and a click on a turn
// (or a finding's time) seeks the player there. No other script runs on these pages.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var player = document.getElementById("player");
  var turns = Array.prototype.slice.call(document.querySelectorAll(".turn[data-start]"));
  function seek(seconds) {
    if (!player) { return; }
    player.currentTime = seconds;
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }
  turns.forEach(function (turn) {
    turn.addEventListener("click", function (event) {
      if (event.target.closest("a")) { return; }
      seek(parseFloat(turn.dataset.start));
    });
    turn.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { seek(parseFloat(turn.dataset.start)); }
    });
  });
  document.querySelectorAll("a.seek[data-start]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      seek(parseFloat(link.dataset.start));
    });
  });
  if (player) {
    player.addEventListener("timeupdate", function () {
      var now = player.currentTime;
      turns.forEach(function (turn) {
        var on = now >= parseFloat(turn.dataset.start) && now < parseFloat(turn.dataset.end);
        turn.classList.toggle("current", on);
      });
    });
  }
});
