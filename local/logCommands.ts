/**
 * The command publisher, logging each fan-out: how many commands were sent and how many the broker took, the
 * devices they went to (names, on their control topics), and why each failed one failed. Never a payload.
 */
import type { CommandPublisher } from '../shared/c2/ports.js';
import type { LocalLogger } from './localLogger.js';

export function logCommands(publisher: CommandPublisher, log: LocalLogger): CommandPublisher {
  return {
    publish: async (commands) => {
      const outcomes = await publisher.publish(commands);
      const failed = outcomes.filter((outcome) => !outcome.delivered);
      (failed.length > 0 ? log.warn : log.info)('commands', {
        sent: commands.length,
        delivered: outcomes.length - failed.length,
        failed: failed.length,
        clients: [...new Set(commands.map((command) => command.clientName))].join(','),
      });
      for (const outcome of failed) {
        log.warn('command not delivered', { client: outcome.clientName, topic: outcome.topic, error: outcome.error });
      }
      return outcomes;
    },
    close: () => publisher.close(),
  };
}
