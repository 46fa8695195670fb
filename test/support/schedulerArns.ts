/** The ARNs the Scheduler tests give EventBridgeScheduler (moto takes any well-formed ARN). */
export const TARGET = 'arn:aws:lambda:us-east-1:123456789012:function:e4c2-rotation';
export const ROLE = 'arn:aws:iam::123456789012:role/e4c2-scheduler';
export const DLQ = 'arn:aws:sqs:us-east-1:123456789012:e4c2-schedule-dead-letters';
