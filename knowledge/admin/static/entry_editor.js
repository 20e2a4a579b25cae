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

// Opening hours: beside each day's text (09:00-12:00, 13:00-16:00 or "closed"), a picker of
// two times that adds a span, checked (the end after the start), and a "closed" button.
(function () {
  var form = document.getElementById('entry-form');
  if (!form) { return; }
  var words = form.dataset;
  form.querySelectorAll('input[name^="hours_"]').forEach(function (field) {
    var day = field.name.slice(6);
    var picker = document.createElement('div');
    picker.className = 'form-inline mt-1 hours-picker';
    picker.innerHTML =
      '<input type="time" class="form-control form-control-sm mr-1" step="300">' +
      '<span class="mr-1">–</span>' +
      '<input type="time" class="form-control form-control-sm mr-1" step="300">' +
      '<button type="button" class="btn btn-sm btn-outline-secondary mr-1"></button>' +
      '<button type="button" class="btn btn-sm btn-outline-secondary"></button>' +
      '<div class="small text-danger w-100" role="alert"></div>';
    var times = picker.querySelectorAll('input');
    var buttons = picker.querySelectorAll('button');
    var problem = picker.querySelector('[role="alert"]');
    times[0].id = 'hours-' + day + '-from'; times[0].setAttribute('aria-label', words.hoursFrom);
    times[1].id = 'hours-' + day + '-to'; times[1].setAttribute('aria-label', words.hoursTo);
    buttons[0].id = 'hours-' + day + '-add'; buttons[0].textContent = words.hoursAdd;
    buttons[1].id = 'hours-' + day + '-closed'; buttons[1].textContent = words.hoursClosed;
    buttons[0].addEventListener('click', function () {
      var from = times[0].value, to = times[1].value;
      if (!from || !to || to <= from) { problem.textContent = words.hoursInvalid; return; }
      problem.textContent = '';
      var current = field.value.trim();
      field.value = (current && current.toLowerCase() !== 'closed' ? current + ', ' : '') + from + '-' + to;
      times[0].value = times[1].value = '';
    });
    buttons[1].addEventListener('click', function () { field.value = 'closed'; problem.textContent = ''; });
    field.parentNode.insertBefore(picker, field.nextSibling);
  });
})();
