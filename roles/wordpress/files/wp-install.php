<?php
/**
 * First-time install of one WordPress site without wp-cli or a browser (wpha "wordpress" role).
 * Run as www-data (files it creates under wp-content must belong to the web server), with:
 *   WORDPRESS_CONFIG   site id: Debian's dispatcher loads /etc/wordpress/config-<id>.php
 *   WPHA_DOMAIN        the site's host name
 *   WPHA_TITLE, WPHA_ADMIN_USER, WPHA_ADMIN_EMAIL, WPHA_ADMIN_PASSWORD
 *   WPHA_PERMALINK     permalink structure, e.g. /%postname%/ ("" keeps plain links)
 *   WPHA_PUBLIC        1: search engines may index the site
 *   WPHA_DB_WAIT       seconds to wait for the database (it may still be starting on its host)
 * Values come from the environment, never from the command line (the password would show in ps).
 * Idempotent: an installed site is left alone (exit 0, "already installed").
 */
if (PHP_SAPI !== 'cli') {
    exit(1);
}
function wpha_env(string $name, ?string $default = null): string
{
    $v = getenv($name);
    if ($v === false) {
        if ($default === null) {
            fwrite(STDERR, "wp-install: $name is not set\n");
            exit(2);
        }
        return $default;
    }
    return $v;
}
$site = wpha_env('WORDPRESS_CONFIG');
$domain = wpha_env('WPHA_DOMAIN');
$_SERVER['HTTP_HOST'] = $_SERVER['SERVER_NAME'] = $domain;
$_SERVER['REQUEST_URI'] = '/wp-admin/install.php';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD'] = 'GET';

// The site's settings first (Debian's dispatcher require_once's the same file later), so that
// the database can be waited for before WordPress gives up on it with an HTML error page.
require_once "/etc/wordpress/config-$site.php";
$deadline = time() + (int) wpha_env('WPHA_DB_WAIT', '300');
mysqli_report(MYSQLI_REPORT_OFF);
[$db_host, $db_port] = array_pad(explode(':', DB_HOST, 2), 2, null);
for (;;) {
    $db = @mysqli_connect($db_host, DB_USER, DB_PASSWORD, DB_NAME, $db_port === null ? 3306 : (int) $db_port);
    if ($db) {
        mysqli_close($db);
        break;
    }
    if (time() >= $deadline) {
        fwrite(STDERR, 'wp-install: cannot connect to database "' . DB_NAME . '" on ' . DB_HOST . ' as "' . DB_USER . '": ' . mysqli_connect_error() . "\n");
        exit(3);
    }
    sleep(2);
}

// No mail server on web nodes: the "new site" e-mail is skipped instead of failing noisily.
function wp_mail()
{
    return true;
}
define('WP_INSTALLING', true);
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if (is_blog_installed()) {
    echo "already installed\n";
    exit(0);
}
$r = wp_install(wpha_env('WPHA_TITLE'), wpha_env('WPHA_ADMIN_USER'), wpha_env('WPHA_ADMIN_EMAIL'), wpha_env('WPHA_PUBLIC', '1') === '1', '', wp_slash(wpha_env('WPHA_ADMIN_PASSWORD')));
if (is_wp_error($r)) {
    fwrite(STDERR, 'wp-install: ' . $r->get_error_message() . "\n");
    exit(4);
}
// Set explicitly: the install's own loopback test of pretty links needs the site's name to
// resolve on this host. The rules are flushed again in a second process (see the role).
global $wp_rewrite;
$wp_rewrite->set_permalink_structure(wpha_env('WPHA_PERMALINK', '/%postname%/'));
echo "installed: {$r['url']}\n";
