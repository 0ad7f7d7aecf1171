/* stand-in of quick-demo-js/js/common.js: the query reader the pages use
 * (case-insensitive, as the demo's) */
function getQueryString(name) {
  const m = window.location.search.substr(1).match(new RegExp('(^|&)' + name + '=([^&]*)(&|$)', 'i'));
  return m ? decodeURIComponent(m[2]) : '';
}
