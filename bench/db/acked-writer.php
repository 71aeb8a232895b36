<?php
// Numbered inserts, each recorded only once the server acknowledged its commit (PHP CLI + mysqli:
// what a WordPress web node already has).
//
//   WRITER_PASSWORD=... php acked-writer.php --host VIP --port 3307 --user u --db d --table t \
//       --start 1 --out /root/acked.log --stop /root/stop-writer [--rate 200] [--read-timeout 5]
//
// One connection at a time (autocommit): INSERT id n; an answer means committed, and the line
// "<id> <host> <unix time>" is appended to --out before the next insert. An insert whose
// connection broke before the answer may or may not have committed: it is written as
// "? <id> <host> <time> <errno>" and its id is never used again; one the server refused (it
// answered an error) as "! <id> ...". So the acknowledged rows are exactly the plain lines, and
// a retry never collides with an earlier id. --rate paces the inserts (per second; 0: as fast as
// the server answers). --read-timeout (seconds, 5) bounds how long one insert may wait for its
// answer (a server cut off the network never answers). Runs until the --stop file exists.
$o = getopt('', ['host:', 'port:', 'user:', 'db:', 'table:', 'start:', 'out:', 'stop:', 'rate:', 'read-timeout:']);
foreach (['host', 'user', 'db', 'table', 'out', 'stop'] as $k) {
    if (!isset($o[$k])) { fwrite(STDERR, "missing --$k\n"); exit(2); }
}
$port = (int) ($o['port'] ?? 3306);
$n = (int) ($o['start'] ?? 1);
$rate = (float) ($o['rate'] ?? 0);
$readTimeout = (int) ($o['read-timeout'] ?? 5);
$password = getenv('WRITER_PASSWORD');
mysqli_report(MYSQLI_REPORT_OFF);
$out = fopen($o['out'], 'a');
$stamp = fn () => sprintf('%.3f', microtime(true));
$connect = function () use ($o, $port, $password, $readTimeout) {
    $m = mysqli_init();
    $m->options(MYSQLI_OPT_CONNECT_TIMEOUT, 2);
    $m->options(MYSQLI_OPT_READ_TIMEOUT, $readTimeout);
    return @$m->real_connect($o['host'], $o['user'], $password, $o['db'], $port) ? $m : null;
};
$conn = null;
$errors = 0;
$step = $rate > 0 ? 1.0 / $rate : 0.0;
$due = microtime(true);
while (!file_exists($o['stop'])) {
    if (!$conn) {
        $conn = $connect();
        if (!$conn) { $errors++; usleep(200000); continue; }
    }
    if (@$conn->query(sprintf('INSERT INTO `%s` (id) VALUES (%d)', $o['table'], $n))) {
        fwrite($out, "$n {$o['host']} {$stamp()}\n");
    } else {
        $errno = $conn->errno;
        $errors++;
        // 2006/2013/2014: the connection broke; the server may have committed it.
        fwrite($out, (in_array($errno, [2006, 2013, 2014], true) ? '?' : '!') . " $n {$o['host']} {$stamp()} $errno\n");
        @$conn->close();
        $conn = null;
        usleep(200000);
    }
    fflush($out);
    $n++;
    if ($step) { $due += $step; $wait = $due - microtime(true); if ($wait > 0) usleep((int) ($wait * 1e6)); }
}
fwrite(STDERR, "next id $n, errors $errors\n");
