<?php
/**
 * Boots one WordPress site in the PHP CLI (Debian package layout) and runs PHP code from the
 * first argument, or from stdin when there is none (code without the leading <?php).
 * Run as www-data with WORDPRESS_CONFIG=<site id> and WPHA_DOMAIN=<host name> in the environment:
 *   runuser -u www-data -- env WORDPRESS_CONFIG=shop WPHA_DOMAIN=shop.example.com php wp-eval.php 'echo get_bloginfo("name");'
 */
if (PHP_SAPI !== 'cli') {
    exit(1);
}
$domain = getenv('WPHA_DOMAIN');
if (getenv('WORDPRESS_CONFIG') === false || $domain === false) {
    fwrite(STDERR, "wp-eval: set WORDPRESS_CONFIG and WPHA_DOMAIN\n");
    exit(2);
}
$_SERVER['HTTP_HOST'] = $_SERVER['SERVER_NAME'] = $domain;
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PROTOCOL'] = 'HTTP/1.1';
$_SERVER['REQUEST_METHOD'] = 'GET';
require '/usr/share/wordpress/wp-load.php';
eval($argv[1] ?? stream_get_contents(STDIN));
