#!/bin/sh
# Runs inside LocalStack when it is ready: the bucket and the bulk-order queue with its dead-letter queue.
set -e
awslocal s3 mb s3://ordermesh || true
awslocal sqs create-queue --queue-name ordermesh-bulk-orders-dlq
DLQ_ARN=$(awslocal sqs get-queue-attributes --queue-url http://localhost:4566/000000000000/ordermesh-bulk-orders-dlq \
  --attribute-names QueueArn --query Attributes.QueueArn --output text)
awslocal sqs create-queue --queue-name ordermesh-bulk-orders --attributes \
  "{\"VisibilityTimeout\":\"60\",\"RedrivePolicy\":\"{\\\"deadLetterTargetArn\\\":\\\"$DLQ_ARN\\\",\\\"maxReceiveCount\\\":\\\"5\\\"}\"}"
