import {
  applyDecorators,
  Controller,
  SetMetadata,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { ApiKeyGuard } from './api-key.guard';
import { BodyKindGuard } from './body-kind.guard';
import { InputSafetyPipe } from './input-safety.pipe';
import { PublicRateLimitGuard } from './public-rate-limit.guard';
import { createValidationPipe } from './validation.pipe';

/** Metadata key set by @PaymentController(): the controller is one of the service's own. */
export const PAYMENT_CONTROLLER = 'payment:controller';

/**
 * Every controller of the service is declared with this instead of @Controller:
 * the error mapping (§9 body), the access check (API key → 401, body type → 415,
 * public rate limit → 429, in that order) and the input pipes apply to the
 * service's own routes only — never to the routes of a Nest app that mounts
 * PaymentModule (no APP_FILTER / APP_GUARD / global pipes).
 * test/e2e/access-sweep checks that no controller of the service lacks it.
 */
export function PaymentController(path = ''): ClassDecorator {
  return applyDecorators(
    Controller(path),
    SetMetadata(PAYMENT_CONTROLLER, true),
    UseFilters(AllExceptionsFilter),
    UseGuards(ApiKeyGuard, BodyKindGuard, PublicRateLimitGuard),
    UsePipes(InputSafetyPipe, createValidationPipe()),
  );
}
