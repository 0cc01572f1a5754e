// Live board: new posts arrive over a WebSocket and are put on top of the first page.
(function () {
  "use strict";
  var list = document.getElementById("posts");
  if (!list || list.dataset.page !== "1") return;  // older pages stay as they are
  var status = document.getElementById("live-status");
  var delay = 500;

  function article(post) {
    // Built with textContent: a post's title or text can never become markup.
    var node = document.createElement("article");
    node.className = "post fresh";
    node.id = "post-" + post.id;
    var h2 = document.createElement("h2");
    var link = document.createElement("a");
    link.href = post.url;
    link.textContent = post.title;
    h2.appendChild(link);
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = "by " + post.author + " · just now";
    var excerpt = document.createElement("p");
    excerpt.className = "excerpt";
    excerpt.textContent = post.body;
    node.append(h2, meta, excerpt);
    return node;
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + list.dataset.liveUrl);
    socket.onopen = function () { status.hidden = false; delay = 500; };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "missed") { location.reload(); return; }  // resync after a gap
      if (data.type !== "post" || document.getElementById("post-" + data.id)) return;
      var empty = list.querySelector(".empty");
      if (empty) empty.remove();
      list.prepend(article(data));
    };
    socket.onclose = function () {
      status.hidden = true;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
