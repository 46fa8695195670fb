/**
 * Local mode's broker credentials of a device just created or claimed: the login, and the password shown this once
 * (with a copy button). The one place both answers show them.
 */
import { CopyButton } from './CopyButton.js';

export function BrokerCredentials(props: { mqtt: { username: string; password: string } }) {
  const { username, password } = props.mqtt;
  return (
    <p>
      Broker login <code data-testid="mqtt-username">{username}</code>, password shown this once:{' '}
      <code data-testid="mqtt-password">{password}</code> <CopyButton value={password} label="Copy the password" />
    </p>
  );
}
