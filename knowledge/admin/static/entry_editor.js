// The entry editor: remembers the language tab being edited (so that the page opens on it
// again after saving), and asks before an entry is archived by unticking "Active".
(function () {
  var form = document.getElementById('entry-form');
  if (!form) { return; }
  var tab = form.querySelector('input[name="_tab"]');
  document.querySelectorAll('#language-tabs a[data-language]').forEach(function (link) {
    link.addEventListener('click', function () { tab.value = link.getAttribute('data-language'); });
  });
  var active = form.querySelector('input[name="active"]');
  var wasActive = active && active.checked;
  form.addEventListener('submit', function (event) {
    if (wasActive && active && !active.checked && !window.confirm(form.getAttribute('data-archive-question'))) {
      event.preventDefault();
    }
  });
})();
