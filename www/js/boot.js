// A classic script that runs before the page's modules (deferred and first in
// the document, it runs before them, without holding up the parser), so that a
// page whose modules cannot load (a missing file, a browser without ES modules
// or with a syntax it does not know) still says what happened instead of
// sitting blank.
(function () {
  var started = function () {
    return document.body && document.body.dataset.started === 'yes';
  };
  function say(text) {
    var box = document.getElementById('errors');
    var loading = document.getElementById('loading');
    if (!box) return;
    var p = document.createElement('p');
    p.className = 'error';
    p.textContent = text;
    box.appendChild(p);
    box.hidden = false;
    if (loading) loading.hidden = true;
  }
  var main = document.querySelector('script[src="js/main.js"]');
  if (main) {
    main.addEventListener('error', function () {
      say('The page’s scripts could not be loaded. Check the connection and reload the page.');
    });
  }
  // Until main.js runs, uncaught errors (a syntax error in a module, say) are ours to show.
  window.addEventListener('error', function (e) {
    if (!started())
      say(
        'The page could not start: ' +
          (e.message || 'a script failed') +
          '. Reload the page, or try a current browser.',
      );
  });
  window.addEventListener('load', function () {
    setTimeout(function () {
      var box = document.getElementById('errors');
      if (!started() && box && box.hidden)
        say(
          'The page did not start. It needs a browser with JavaScript modules and WebAssembly (Chrome or Edge 91+, Firefox 89+, Safari 16.4+).',
        );
    }, 20000);
  });
})();
