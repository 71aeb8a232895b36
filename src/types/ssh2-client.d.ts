/** ssh2's client module alone (src/transport/ssh.ts): its class, typed as the package's `Client`. */
declare module 'ssh2/lib/client.js' {
  const Client: typeof import('ssh2').Client;
  export default Client;
}
