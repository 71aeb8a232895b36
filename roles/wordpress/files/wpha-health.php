<?php
/*
 * Health of this web node for the load balancer (managed by wpha; served by nginx at
 * /wpha-health, cluster hosts only, never cached): 200 "ok" when PHP-FPM runs this and the
 * site's database answers SELECT 1 within 2 s; 503 with the reason otherwise. It reads the
 * site's settings (nginx passes WORDPRESS_CONFIG) and never loads WordPress itself, so it stays
 * cheap enough to run every 2 s.
 */
header('Cache-Control: no-store');
header('Content-Type: text/plain; charset=utf-8');

function wpha_health_fail(string $why): void {
    http_response_code(503);
    echo "fail: $why\n";
    exit;
}

$site = $_SERVER['WORDPRESS_CONFIG'] ?? '';
if (!preg_match('/^[A-Za-z0-9_.-]+$/', $site)) {
    wpha_health_fail('no site (WORDPRESS_CONFIG) given by nginx');
}
$config = "/etc/wordpress/config-$site.php";
if (!is_readable($config)) {
    wpha_health_fail("site settings $config not readable");
}
require $config;

$host = DB_HOST;
$port = 3306;
if (preg_match('/^(.*):(\d+)$/', $host, $m)) {
    $host = $m[1];
    $port = (int) $m[2];
}
mysqli_report(MYSQLI_REPORT_OFF);
$db = mysqli_init();
$db->options(MYSQLI_OPT_CONNECT_TIMEOUT, 2);
$db->options(MYSQLI_OPT_READ_TIMEOUT, 2);
if (!@$db->real_connect($host, DB_USER, DB_PASSWORD, DB_NAME, $port)) {
    wpha_health_fail('database: ' . mysqli_connect_error());
}
$r = $db->query('SELECT 1');
if ($r === false) {
    wpha_health_fail('database: ' . $db->error);
}
$db->close();
echo "ok\n";
