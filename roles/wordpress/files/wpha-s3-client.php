<?php
/**
 * A minimal S3 client (path-style requests signed with AWS Signature Version 4) for the uploads
 * must-use plugin: PUT, HEAD and DELETE of single objects, nothing else. Managed by wpha
 * (wordpress role): local changes are overwritten on the next apply.
 *
 * Why not an SDK: Debian ships none for PHP, and these three calls are all WordPress needs. It
 * speaks to any S3 endpoint that checks SigV4: MinIO in production, OpenStack Swift's s3api in the
 * lab. It uses PHP's own http/https streams (no curl extension needed); TLS peers are verified
 * against the system CAs or the CA file given.
 */

final class Wpha_S3_Client
{
    private string $scheme;
    private string $host; // host[:port], as sent in the Host header and signed

    public function __construct(
        string $endpoint,
        private string $bucket,
        private string $region,
        private string $accessKey,
        private string $secretKey,
        private string $caFile = '',
        private int $timeout = 30,
    ) {
        $p = parse_url($endpoint);
        if (!$p || !isset($p['scheme'], $p['host']) || !in_array($p['scheme'], ['http', 'https'], true)) {
            throw new InvalidArgumentException('The S3 endpoint must be an http(s) URL');
        }
        $this->scheme = $p['scheme'];
        $this->host = $p['host'] . (isset($p['port']) ? ':' . $p['port'] : '');
    }

    /** Stores a local file as `key`. Returns true, or the reason it failed. */
    public function putFile(string $key, string $file, string $contentType): true|string
    {
        $body = @file_get_contents($file);
        if ($body === false) return "cannot read \"$file\"";
        [$status, , $text] = $this->request('PUT', $key, $body, ['content-type' => $contentType ?: 'application/octet-stream']);
        return $status === 200 ? true : $this->why('PUT', $key, $status, $text);
    }

    /** true when `key` exists, false when it does not, or the reason the check failed. */
    public function exists(string $key): bool|string
    {
        [$status, , $text] = $this->request('HEAD', $key);
        if ($status === 200) return true;
        if ($status === 404) return false;
        return $this->why('HEAD', $key, $status, $text);
    }

    /** Removes `key` (absent is fine). Returns true, or the reason it failed. */
    public function delete(string $key): true|string
    {
        [$status, , $text] = $this->request('DELETE', $key);
        return ($status === 204 || $status === 200 || $status === 404) ? true : $this->why('DELETE', $key, $status, $text);
    }

    /** @return array{0:int,1:array<string,string>,2:string} status (0: no answer), headers, body */
    public function request(string $method, string $key, string $body = '', array $headers = []): array
    {
        $path = '/' . rawurlencode($this->bucket) . '/' . implode('/', array_map('rawurlencode', explode('/', $key)));
        $headers = array_change_key_case($headers) + ['host' => $this->host];
        $headers += $this->sign($method, $path, $headers, $body);
        $lines = [];
        foreach ($headers as $k => $v) if ($k !== 'host') $lines[] = "$k: $v";
        $lines[] = 'Connection: close';
        $ctx = stream_context_create([
            'http' => ['method' => $method, 'header' => implode("\r\n", $lines), 'content' => $body, 'ignore_errors' => true, 'timeout' => $this->timeout, 'protocol_version' => 1.1, 'follow_location' => 0],
            'ssl' => $this->caFile !== '' ? ['cafile' => $this->caFile, 'verify_peer' => true, 'verify_peer_name' => true] : ['verify_peer' => true, 'verify_peer_name' => true],
        ]);
        $http_response_header = [];
        $text = @file_get_contents("{$this->scheme}://{$this->host}{$path}", false, $ctx);
        $status = 0;
        $got = [];
        foreach ($http_response_header as $line) {
            if (preg_match('#^HTTP/\S+\s+(\d{3})#', $line, $m)) { $status = (int) $m[1]; $got = []; continue; }
            $kv = explode(':', $line, 2);
            if (count($kv) === 2) $got[strtolower(trim($kv[0]))] = trim($kv[1]);
        }
        if ($status === 0) {
            $err = error_get_last();
            $text = preg_replace('/^.*?: /', '', $err['message'] ?? 'no answer');
        }
        return [$status, $got, (string) $text];
    }

    /** The SigV4 headers of a request (x-amz-date, x-amz-content-sha256, authorization). */
    private function sign(string $method, string $path, array $headers, string $body): array
    {
        $now = gmdate('Ymd\THis\Z');
        $day = substr($now, 0, 8);
        $headers['x-amz-date'] = $now;
        $headers['x-amz-content-sha256'] = hash('sha256', $body);
        ksort($headers);
        $canonical = '';
        foreach ($headers as $k => $v) $canonical .= $k . ':' . trim(preg_replace('/\s+/', ' ', (string) $v)) . "\n";
        $signed = implode(';', array_keys($headers));
        $request = implode("\n", [$method, $path, '', $canonical, $signed, $headers['x-amz-content-sha256']]);
        $scope = "$day/{$this->region}/s3/aws4_request";
        $toSign = implode("\n", ['AWS4-HMAC-SHA256', $now, $scope, hash('sha256', $request)]);
        $k = hash_hmac('sha256', $day, 'AWS4' . $this->secretKey, true);
        foreach ([$this->region, 's3', 'aws4_request'] as $part) $k = hash_hmac('sha256', $part, $k, true);
        return [
            'x-amz-date' => $now,
            'x-amz-content-sha256' => $headers['x-amz-content-sha256'],
            'authorization' => "AWS4-HMAC-SHA256 Credential={$this->accessKey}/$scope, SignedHeaders=$signed, Signature=" . hash_hmac('sha256', $toSign, $k),
        ];
    }

    /** A short reason: the S3 error code when the endpoint sent one (never the credentials). */
    private function why(string $method, string $key, int $status, string $text): string
    {
        if ($status === 0) return "$method {$this->bucket}/$key: no answer from the S3 endpoint {$this->scheme}://{$this->host} ($text)";
        $code = preg_match('#<Code>([^<]+)</Code>#', $text, $m) ? " {$m[1]}" : '';
        return "$method {$this->bucket}/$key: the S3 endpoint answered $status$code";
    }
}
