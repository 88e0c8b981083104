<?php
// Test helper: installs and changes a real WordPress from the command line, as a site's
// admin would through wp-admin. Run by tests/wordpress_test.cc as
//   php -d auto_prepend_file=PREPEND wp-tool.php COMMAND [ARGS...]
// where PREPEND defines ABSPATH (the test's WordPress root, whose wp-config.php it wrote).
// Prints one JSON value on stdout; exits non-zero with the reason on stderr.
//   install TITLE USER PASSWORD      the site and its admin; {"app_password": ...}
//   permalinks STRUCTURE             "" (plain, as on a fresh install) or "/%postname%/"
//   posts COUNT STATUS MODIFIED_GMT  COUNT posts that all have one modified time; [ids]
//   update ID FIELD VALUE            post_status (publish, private, draft, trash) or post_title
//   set-modified ID MODIFIED_GMT     the post's modified time, as a bulk import leaves it
define('WP_INSTALLING', in_array('install', $argv, true));
$_SERVER['HTTP_HOST'] = '127.0.0.1';
require_once ABSPATH . 'wp-load.php';
function wp_new_blog_notification() {}  // no mail from the install: the test has no MTA
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

function fail($why) { fwrite(STDERR, "wp-tool: $why\n"); exit(1); }
function out($v) { echo json_encode($v), "\n"; exit(0); }

global $wpdb;
$cmd = $argv[1] ?? '';
switch ($cmd) {
  case 'install':
    $r = wp_install($argv[2], $argv[3], 'admin@coop.test', true, '', wp_slash($argv[4]));
    $user = get_user_by('login', $argv[3]);
    [$password] = WP_Application_Passwords::create_new_application_password($user->ID, ['name' => 'coophub']);
    out(['app_password' => $password, 'user_id' => $user->ID]);
  case 'permalinks':
    update_option('permalink_structure', $argv[2]);
    flush_rewrite_rules(false);
    out(get_option('permalink_structure'));
  case 'posts':
    [$count, $status, $modified] = [(int)$argv[2], $argv[3], $argv[4]];
    $ids = [];
    for ($i = 1; $i <= $count; ++$i) {
      $id = wp_insert_post(['post_title' => "Imported post $i", 'post_content' => "Body of post $i",
                            'post_status' => $status, 'post_author' => 1, 'post_date_gmt' => $modified], true);
      if (is_wp_error($id)) fail($id->get_error_message());
      $ids[] = $id;
    }
    $in = implode(',', $ids);
    $wpdb->query($wpdb->prepare("UPDATE $wpdb->posts SET post_modified = %s, post_modified_gmt = %s WHERE ID IN ($in)",
                                get_date_from_gmt($modified), $modified));
    clean_post_cache($ids[0]);
    out($ids);
  case 'update':
    [$id, $field, $value] = [(int)$argv[2], $argv[3], $argv[4]];
    if ($field === 'post_status' && $value === 'trash') $ok = wp_trash_post($id);
    else $ok = wp_update_post(['ID' => $id, $field => $value], true);
    if (!$ok || is_wp_error($ok)) fail("could not set $field of post $id");
    out(get_post($id)->post_modified_gmt);
  case 'set-modified':
    [$id, $modified] = [(int)$argv[2], $argv[3]];
    $wpdb->update($wpdb->posts, ['post_modified' => get_date_from_gmt($modified), 'post_modified_gmt' => $modified],
                  ['ID' => $id]);
    clean_post_cache($id);
    out($modified);
  default:
    fail("unknown command \"$cmd\"");
}
