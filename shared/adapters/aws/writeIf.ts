import {
  ConditionalCheckFailedException,
  type DeleteItemCommand,
  type DynamoDBClient,
  type PutItemCommand,
  type UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/** Sends a conditional write: false when its condition failed (other errors are thrown). */
export async function writeIf(
  db: DynamoDBClient,
  command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
): Promise<boolean> {
  try {
    // biome-ignore lint/suspicious/noExplicitAny: the three command types share send()'s overloads poorly
    await db.send(command as any);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
