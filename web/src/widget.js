// <coophub-widget>: a widget of a coophub dashboard inside another site. Work in progress.
(() => {})();
